//! `dk2020-calendars`: the refresh of the coordinator's calendar
//! subscriptions as a Lambda function of its own, on a schedule
//! (`bootstrap` of `target/lambda/dk2020-calendars/bootstrap.zip`, made by
//! `cargo xtask lambda`). A thin shell around
//! [`dk2020_api::subscriptions::lambda::run`].

use std::process::ExitCode;

use dk2020_api::{lambda, subscriptions};

fn main() -> ExitCode {
    lambda::function_main(
        "dk2020-calendars",
        "`dk2020-api serve` fetches the calendars itself",
        subscriptions::lambda::run,
    )
}
