//! `dk2020-api serve`: the local server.

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{
    app,
    cli::ServeArgs,
    config::{Config, OpenedStore, WidgetSource},
    mail,
    routes::{self, site},
    state::AppState,
    store::Store,
    subscriptions, telemetry,
};

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    telemetry::init(false);
    let config = &args.config.clone().checked()?;
    let keys = config.token_keys()?;
    let sign_in = config.sign_in(Some(config.addr))?;
    let store = open_store(config, args.create_table).await?;
    let listener = TcpListener::bind(config.addr).await.with_context(|| format!("listening on {}", config.addr))?;
    let base = format!("http://{}", listener.local_addr()?);
    // Port 0 picks a free port: the sign-in needs the one it got.
    let sign_in =
        crate::session::SignIn { public_url: config.public_url.clone().or_else(|| Some(base.clone())), ..sign_in };
    let mut state = AppState::new(store, keys.clone(), config.now.clone())
        .with_mail_defaults(mail_defaults(config))
        .with_calendar_fetch(config.calendar_fetch())
        .with_privacy(config.privacy());
    if config.store == crate::config::StoreKind::DynamoDb {
        // Others may write the same table: keys are read again every minute.
        state = state.with_access_lifetime(std::time::Duration::from_secs(60));
    }
    let dev_sign_in = matches!(sign_in.provider, crate::session::Provider::Dev);
    let mut sign_in = sign_in;
    if dev_sign_in {
        let origin = sign_in.origin().unwrap_or(&base).to_string();
        sign_in.demo_key = Some(routes::sign_in::issue_demo_key(state.store.as_ref(), state.now(), &origin).await?);
    }
    let state = state.with_sign_in(sign_in);
    let widget = config.widget_source();
    match &widget {
        WidgetSource::Dir(dir) if !dir.is_dir() => {
            tracing::warn!(dir = %dir.display(), "--widget-dir is not a folder: /widget/ and /demo/ answer 404");
        }
        WidgetSource::Embedded if !site::has_embedded_widget() => {
            tracing::warn!("this binary was built without the widget: run `cargo xtask widget`, then build it again");
        }
        _ => {}
    }
    let mut sender = config.mail_sender()?;
    // The manage links lead to this server's own page unless told otherwise.
    sender.manage_page.get_or_insert_with(|| format!("{base}/widget/manage.html"));
    tracing::info!(transport = %sender.transport.describe(), "booking mails go to");
    // The written mails are shown only to the machine's own user (loopback).
    let dev_mail = sender.transport.files_dir().filter(|_| config.addr.ip().is_loopback()).map(|d| d.to_path_buf());
    let sender = std::sync::Arc::new(sender);
    tokio::spawn(mail::run(sender, state.store.clone(), state.clock.clone(), state.mail_wake.clone()));
    tokio::spawn(subscriptions::run(state.store.clone(), state.calendar_fetch, state.clock.clone()));
    if config.store == crate::config::StoreKind::Sqlite {
        // DynamoDB removes them by its TTL.
        tokio::spawn(crate::session::sweep_every_hour(state.store.clone(), state.clock.clone()));
    }
    // Before the first request, so a server started with a later clock never
    // shows what is past its time; then daily. (On AWS: dk2020-retention.)
    crate::privacy::run_once(state.store.as_ref(), &state.privacy.retention, state.now()).await;
    tokio::spawn(crate::privacy::run_daily(state.store.clone(), state.privacy.retention, state.clock.clone()));
    let mut app = app::router_with_site(state, config.allowed_origins.0.clone(), &widget);
    if let Some(dir) = &dev_mail {
        app = app.merge(routes::dev_mail::router(dir.clone()));
    }

    print_welcome(&base, &config.store_label(), dev_sign_in);
    if dev_mail.is_some() {
        println!("Booking mails (no SMTP server configured): {base}/dev/mail");
    }
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The store `serve` runs on: the SQLite file `--db`, unless
/// `DK2020_STORE=dynamodb` asks for the DynamoDB table `DK2020_TABLE`
/// (created and seeded first with `--create-table`; otherwise it must answer).
async fn open_store(config: &Config, create_table: bool) -> anyhow::Result<std::sync::Arc<dyn Store>> {
    let store = config.open_store().await?;
    match &store {
        OpenedStore::Sqlite(_) => {
            if create_table {
                tracing::warn!("--create-table only applies with DK2020_STORE=dynamodb; ignored");
            }
        }
        OpenedStore::DynamoDb(dynamo) => {
            let label = config.store_label();
            if create_table {
                let created =
                    dynamo.create_table_if_missing().await.with_context(|| format!("creating the {label}"))?;
                tracing::info!(table = config.table, created, "DynamoDB table ready and seeded");
            } else {
                dynamo
                    .health()
                    .await
                    .with_context(|| format!("the {label} cannot be used; `serve --create-table` creates it"))?;
            }
        }
    }
    Ok(store.shared())
}

fn print_welcome(base: &str, store_label: &str, dev_sign_in: bool) {
    println!("dk2020-planner is running on {base} ({store_label})");
    println!();
    println!("  staff page (sign in)  {base}/");
    println!("  enrolment overview    {base}/?view=overview");
    println!("  budget                {base}/?view=budget");
    println!("  demo intranet page    {base}/demo/intranet.html");
    println!("  API description       {base}/api/docs");
    println!();
    if dev_sign_in {
        println!("Sign in on the staff page as a demo user (no OpenID provider is configured; loopback only).");
        println!("The demo intranet page books for Skive with a demo embed key made at this start.");
    }
    println!("Machine clients: `dk2020-api token --role …` prints a revocable bearer token.");
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

/// The coordinator's name, address and meeting link as configured: what her
/// own mail settings fall back on.
pub fn mail_defaults(config: &Config) -> dk2020_model::api::MailSettings {
    dk2020_model::api::MailSettings {
        coordinator_name: Some(config.coordinator_name.clone()),
        coordinator_email: Some(config.coordinator_email.clone()),
        meeting_link: config.meeting_link.clone(),
    }
}
