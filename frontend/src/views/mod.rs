//! One module per view of the widget. The booking view is always built; the
//! others are features (all on by default), so that a bundle with the
//! booking view alone stays small.

pub mod booking;
#[cfg(feature = "budget")]
pub mod budget;
#[cfg(feature = "coordinator")]
pub mod coordinator;
#[cfg(feature = "manage")]
pub mod manage;
#[cfg(feature = "overview")]
pub mod overview;
#[cfg(feature = "secretariat")]
pub mod secretariat;
/// The visits report: in the coordinator's and in the secretariat's view.
#[cfg(any(feature = "coordinator", feature = "secretariat"))]
pub mod visits;
