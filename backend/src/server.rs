//! The commands of the binary: the local server, `allocate` and `token`.

use std::{path::Path, sync::Arc};

use anyhow::Context;
use dk2020_model::{Actor, MunicipalityCode};
use tokio::net::TcpListener;

use crate::{
    app,
    cli::{AllocateArgs, ServeArgs, TokenArgs, builtin_plan, render_plan},
    config::{self, StoreKind},
    state::AppState,
    store::{DynamoStore, SqliteStore, Store},
    telemetry,
};

/// The directory beside the database that keeps the local token secret.
fn local_dir(db: &Path) -> &Path {
    db.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(false);
    let (store, store_label) = open_store(&args).await?;
    let keys = config::token_keys(Some(local_dir(&args.db)))?;
    let clock = config::clock().map_err(anyhow::Error::msg)?;
    let origins = config::allowed_origins().map_err(anyhow::Error::msg)?;
    let state = AppState::new(store, keys.clone(), clock);
    let now = state.now().as_second();
    let app = app::router_with_site(state, origins, &args.widget_dir);

    let listener = TcpListener::bind(args.addr).await.with_context(|| format!("listening on {}", args.addr))?;
    let base = format!("http://{}", listener.local_addr()?);
    print_welcome(&base, &store_label, |actor| keys.issue(actor, 30, now));
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The store `serve` runs on, and how to name it: the SQLite file `--db`,
/// unless `DK2020_STORE=dynamodb` asks for the DynamoDB table `DK2020_TABLE`
/// (created and seeded first with `--create-table`).
async fn open_store(args: &ServeArgs) -> anyhow::Result<(Arc<dyn Store>, String)> {
    match config::store_kind()? {
        StoreKind::Sqlite => {
            if args.create_table {
                tracing::warn!("--create-table only applies with DK2020_STORE=dynamodb; ignored");
            }
            let store = SqliteStore::open(&args.db).with_context(|| format!("opening {}", args.db.display()))?;
            Ok((Arc::new(store), format!("database {}", args.db.display())))
        }
        StoreKind::DynamoDb => {
            let table = config::dynamodb_table()?;
            let store = DynamoStore::from_env(&table).await?;
            let endpoint = std::env::var("AWS_ENDPOINT_URL").map(|url| format!(" at {url}")).unwrap_or_default();
            if args.create_table {
                let created = store
                    .create_table_if_missing()
                    .await
                    .with_context(|| format!("creating the DynamoDB table {table}{endpoint}"))?;
                tracing::info!(table, created, "DynamoDB table ready and seeded");
            } else {
                store.health().await.with_context(|| {
                    format!("the DynamoDB table {table}{endpoint} cannot be used; `serve --create-table` creates it")
                })?;
            }
            Ok((Arc::new(store), format!("DynamoDB table {table}{endpoint}")))
        }
    }
}

fn print_welcome(base: &str, store_label: &str, token: impl Fn(Actor) -> String) {
    let skive = Actor::Municipality { municipality: MunicipalityCode::new(779).expect("Skive is built in") };
    let (t_skive, t_coord, t_secr) = (token(skive), token(Actor::Coordinator), token(Actor::Secretariat));
    println!("dk2020-planner is running on {base} ({store_label})");
    println!();
    println!("  landing page          {base}/");
    println!("  booking (Skive)       {base}/?view=booking&municipality=779&token={t_skive}");
    println!("  enrolment overview    {base}/?view=overview");
    println!("  budget                {base}/?view=budget");
    println!("  coordinator           {base}/?view=coordinator&token={t_coord}");
    println!("  secretariat           {base}/?view=secretariat&token={t_secr}");
    println!("  demo intranet page    {base}/demo/intranet.html?token={t_skive}");
    println!("  API description       {base}/api/openapi.json");
    println!();
    println!("Demo sign-ins (bearer tokens, valid 30 days):");
    println!("  Skive Kommune (779)   {t_skive}");
    println!("  coordinator           {t_coord}");
    println!("  secretariat           {t_secr}");
    println!();
    println!("Press Ctrl-C to stop.");
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

pub fn allocate(args: &AllocateArgs) -> anyhow::Result<()> {
    let params = args.params().map_err(anyhow::Error::msg)?;
    let plan = builtin_plan(&params).map_err(anyhow::Error::msg)?;
    print!("{}", render_plan(&plan, args.format));
    Ok(())
}

pub fn token(args: &TokenArgs) -> anyhow::Result<()> {
    let actor = args.actor().map_err(anyhow::Error::msg)?;
    let keys = config::token_keys(Some(local_dir(&args.db)))?;
    // From the app's clock: with `DK2020_NOW` set, a token valid on the pinned day.
    let now = config::clock().map_err(anyhow::Error::msg)?.now();
    println!("{}", keys.issue(actor, args.days, now.as_second()));
    Ok(())
}
