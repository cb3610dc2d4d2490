//! The `dk2020-api` command line: `serve` (in `server.rs`), and here
//! `allocate` and `token`. The settings `serve` and `token` share are the one
//! [`Config`].

use clap::{Parser, Subcommand, ValueEnum};
use dk2020_model::{
    Actor, Municipalities, MunicipalityCode, Role,
    allocation::{Plan, PlanParams},
    format,
};

use crate::config::Config;

#[derive(Debug, Parser)]
#[command(name = "dk2020-api", version, about = "The DK2020 planner's API for Region Midtjylland's 19 municipalities")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the local server on an embedded SQLite file (created and seeded on first start), or on
    /// the DynamoDB table `DK2020_TABLE` with `DK2020_STORE=dynamodb`.
    Serve(ServeArgs),
    /// Print the cost-sharing plan without a server.
    Allocate(AllocateArgs),
    /// Print a bearer token for a role.
    Token(TokenArgs),
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Also read from the environment: RUST_LOG, the log filter (default `info`). \
Under AWS Lambda (AWS_LAMBDA_RUNTIME_API set) the binary takes no arguments and reads the same \
configuration from the variables above.")]
pub struct ServeArgs {
    /// With `DK2020_STORE=dynamodb`: create the table `DK2020_TABLE` when it
    /// does not exist, and seed what it lacks (like a new SQLite file).
    #[arg(long)]
    pub create_table: bool,
    #[command(flatten)]
    pub config: Config,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyArg {
    PerCapita,
    Hybrid,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Json,
    Table,
}

#[derive(Debug, clap::Args)]
pub struct AllocateArgs {
    /// The whole amount in kroner over all years.
    #[arg(long)]
    pub total: String,
    #[arg(long, default_value = "3")]
    pub years: String,
    #[arg(long, value_enum, default_value = "per-capita")]
    pub key: KeyArg,
    /// With `--key hybrid`: the percentage split equally (0-100).
    #[arg(long)]
    pub equal_percent: Option<String>,
    /// What KD-Net's own frame covers each year, in kroner.
    #[arg(long, default_value = "0")]
    pub frame_per_year: String,
    /// The frame year by year when it differs, one amount per year: `--frame-by-year 100000,200000,0`.
    #[arg(long, default_value = "")]
    pub frame_by_year: String,
    /// Outside money each year (e.g. the region's 500000), taken off before the municipalities' share.
    #[arg(long, default_value = "0")]
    pub contribution_per_year: String,
    /// The calendar year of the first year (labels in the table), or `none`.
    #[arg(long, default_value = "2021")]
    pub start_year: String,
    /// Municipalities that opt out, by code or slug: `--exclude 741,665`.
    #[arg(long, default_value = "")]
    pub exclude: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
}

impl AllocateArgs {
    pub fn params(&self) -> Result<PlanParams, String> {
        let key = match self.key {
            KeyArg::PerCapita => "per-capita",
            KeyArg::Hybrid => "hybrid",
        };
        let mut pairs = vec![
            ("total", self.total.as_str()),
            ("years", self.years.as_str()),
            ("key", key),
            ("frame_per_year", self.frame_per_year.as_str()),
            ("frame_by_year", self.frame_by_year.as_str()),
            ("contribution_per_year", self.contribution_per_year.as_str()),
            ("start_year", self.start_year.as_str()),
            ("exclude", self.exclude.as_str()),
        ];
        if let Some(p) = &self.equal_percent {
            pairs.push(("equal_percent", p.as_str()));
        }
        PlanParams::from_pairs(pairs).map_err(|e| e.to_string())
    }
}

/// The plan in the requested format.
pub fn render_plan(plan: &Plan, format: OutputFormat) -> String {
    match format {
        OutputFormat::Csv => plan.to_csv(),
        OutputFormat::Json => serde_json::to_string_pretty(plan).expect("a plan serializes") + "\n",
        OutputFormat::Table => plan_table(plan),
    }
}

fn plan_table(plan: &Plan) -> String {
    let mut header = vec!["Kode".to_string(), "Kommune".to_string(), "Indbyggere".to_string()];
    header.extend(plan.years.iter().map(|y| plan.params.year_label(y.year)));
    header.push("I alt".into());
    let mut rows = vec![header];
    for r in &plan.rows {
        let mut row = vec![r.code.to_string(), r.name.clone(), format::integer(r.population.into())];
        row.extend(r.years.iter().map(|&a| format::kroner(a as i64)));
        row.push(format::kroner(r.total as i64));
        rows.push(row);
    }
    let mut sum = vec![String::new(), "I alt".to_string(), String::new()];
    sum.extend(plan.totals.years.iter().map(|&a| format::kroner(a as i64)));
    sum.push(format::kroner(plan.totals.total as i64));
    rows.push(sum);
    let widths: Vec<usize> =
        (0..rows[0].len()).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = widths[c] - cell.chars().count();
                if c == 1 { format!("{cell}{}", " ".repeat(pad)) } else { format!("{}{cell}", " ".repeat(pad)) }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
        if i == 0 || i == rows.len() - 2 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            out.push('\n');
        }
    }
    if plan.totals.frame > 0 {
        out.push_str(&format!("KD-Nets ramme dækker i alt {}\n", format::kroner(plan.totals.frame as i64)));
    }
    out
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// The municipality (code or slug), for `--role municipality`.
    #[arg(long)]
    pub municipality: Option<String>,
    /// Days until the token expires.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub days: u32,
    /// The server's configuration: the token is signed with its secret
    /// (`DK2020_JWT_SECRET`, or the local one beside `--db`) and dated by its
    /// clock (`DK2020_NOW`), so the server accepts it.
    #[command(flatten)]
    pub config: Config,
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

impl TokenArgs {
    pub fn actor(&self) -> Result<Actor, String> {
        match (self.role, &self.municipality) {
            (Role::Municipality, Some(m)) => m
                .parse::<MunicipalityCode>()
                .map(|municipality| Actor::Municipality { municipality })
                .map_err(|e| e.to_string()),
            (Role::Municipality, None) => Err("--role municipality needs --municipality CODE".into()),
            (_, Some(_)) => Err("--municipality goes only with --role municipality".into()),
            (Role::Coordinator, None) => Ok(Actor::Coordinator),
            (Role::Secretariat, None) => Ok(Actor::Secretariat),
        }
    }
}

/// The local default plan, for `allocate` with defaults.
pub fn builtin_plan(params: &PlanParams) -> Result<Plan, String> {
    dk2020_model::allocation::plan(params, &Municipalities::builtin()).map_err(|e| e.to_string())
}

/// `dk2020-api allocate`: prints the plan.
pub fn allocate(args: &AllocateArgs) -> anyhow::Result<()> {
    let params = args.params().map_err(anyhow::Error::msg)?;
    let plan = builtin_plan(&params).map_err(anyhow::Error::msg)?;
    print!("{}", render_plan(&plan, args.format));
    Ok(())
}

/// `dk2020-api token`: prints a token the server with the same configuration accepts.
pub fn token(args: &TokenArgs) -> anyhow::Result<()> {
    let actor = args.actor().map_err(anyhow::Error::msg)?;
    let config = args.config.clone().checked()?;
    let keys = config.token_keys()?;
    // From the app's clock: with `DK2020_NOW` set, a token valid on the pinned day.
    let now = config.now.now();
    let (token, jti) = keys.issue_with_id(actor, args.days, now.as_second());
    println!("{token}");
    // The id on stderr: scripts read the token from stdout alone.
    eprintln!("token id (jti): {jti}; revoke it with POST /api/tokens/{jti}/revoke");
    Ok(())
}
