//! `dk2020-retention`: the retention of personal data as a Lambda function
//! of its own, once a day (`bootstrap` of
//! `target/lambda/dk2020-retention/bootstrap.zip`, made by `cargo xtask
//! lambda`). A thin shell around [`dk2020_api::privacy::lambda::run`].

use std::process::ExitCode;

use dk2020_api::{lambda, privacy};

fn main() -> ExitCode {
    lambda::function_main("dk2020-retention", "`dk2020-api serve` applies the retention itself", privacy::lambda::run)
}
