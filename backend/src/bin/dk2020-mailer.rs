//! `dk2020-mailer`: the outbox sender as a Lambda function of its own
//! (`bootstrap` of `target/lambda/dk2020-mailer/bootstrap.zip`, made by
//! `cargo xtask lambda`). A thin shell around [`dk2020_api::mailer::run`]:
//! the configuration from the environment, as for the API's function.

use std::process::ExitCode;

use dk2020_api::{config::Config, mailer};

/// What Lambda sets for every function process (`lambda_runtime` needs them all).
const LAMBDA_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

fn main() -> ExitCode {
    if let Some(missing) = LAMBDA_VARIABLES.iter().find(|v| std::env::var_os(v).is_none()) {
        eprintln!(
            "dk2020-mailer: runs under AWS Lambda only ({missing} is not set); locally, `dk2020-api serve` sends the \
             mails itself"
        );
        return ExitCode::FAILURE;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("dk2020-mailer: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("dk2020-mailer: no tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(mailer::run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dk2020-mailer: {e}");
            ExitCode::FAILURE
        }
    }
}
