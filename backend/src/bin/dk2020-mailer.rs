//! `dk2020-mailer`: the outbox sender as a Lambda function of its own
//! (`bootstrap` of `target/lambda/dk2020-mailer/bootstrap.zip`, made by
//! `cargo xtask lambda`). A thin shell around [`dk2020_api::mailer::run`]:
//! the configuration from the environment, as for the API's function.

use std::process::ExitCode;

use dk2020_api::{lambda, mailer};

fn main() -> ExitCode {
    lambda::function_main("dk2020-mailer", "`dk2020-api serve` sends the mails itself", mailer::run)
}
