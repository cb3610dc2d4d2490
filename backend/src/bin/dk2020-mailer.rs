//! `dk2020-mailer`: the outbox sender as a Lambda function of its own
//! (`bootstrap` of `target/lambda/dk2020-mailer/bootstrap.zip`, made by
//! `cargo xtask lambda`). A thin shell around [`dk2020_api::mailer::run`]:
//! the configuration from the environment, as for the API's function.

use std::process::ExitCode;

use dk2020_api::{config::Config, mailer};

fn main() -> ExitCode {
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
