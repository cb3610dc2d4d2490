//! Times the coordinator is busy outside the tool's bookings: meetings from
//! her subscribed calendars and the blocked hours of her settings. A busy
//! time blocks an online session that overlaps it (buffers included) and an
//! on-site visit whose session, buffers or drive there and back overlap it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::availability::{Availability, window_of};

/// A busy time, `[start, end)`, from a calendar subscription. Only the
/// times are kept, never an appointment's title or attendees.
/// JSON: `{"start": "2027-03-02T08:00:00Z", "end": "2027-03-02T09:00:00Z"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
pub struct BusyTime {
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub start: Timestamp,
    #[cfg_attr(feature = "openapi", schemars(schema_with = "crate::openapi::timestamp"))]
    pub end: Timestamp,
}

/// Busy intervals in whole seconds, sorted and merged so that both starts
/// and ends ascend: one binary search answers "does anything overlap".
#[derive(Clone, Debug, Default)]
pub(crate) struct BusyIndex(Vec<(i64, i64)>);

impl BusyIndex {
    /// The calendar's busy times and the settings' blocked hours.
    pub(crate) fn new(availability: &Availability, busy: &[BusyTime]) -> Self {
        let blocked = availability.blocked.iter().filter_map(|b| window_of(b.date, b.hours));
        let mut all: Vec<(i64, i64)> = busy
            .iter()
            .map(|b| (b.start.as_second(), b.end.as_second()))
            .chain(blocked)
            .filter(|(s, e)| s < e)
            .collect();
        all.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(all.len());
        for (s, e) in all {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Self(merged)
    }

    /// Whether any busy time overlaps `[lo, hi)` (touching is fine).
    pub(crate) fn overlaps(&self, lo: i64, hi: i64) -> bool {
        let i = self.0.partition_point(|&(_, end)| end <= lo);
        self.0.get(i).is_some_and(|&(start, _)| start < hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_and_touching_busy_times_merge_and_touching_sessions_are_free() {
        let t = |s: i64| Timestamp::from_second(s).unwrap();
        let busy = [
            BusyTime { start: t(100), end: t(200) },
            BusyTime { start: t(150), end: t(300) },
            BusyTime { start: t(300), end: t(400) },
        ];
        let index = BusyIndex::new(&Availability::default(), &busy);
        assert_eq!(index.0, vec![(100, 400)]);
        assert!(!index.overlaps(0, 100), "ending as the meeting starts is free");
        assert!(!index.overlaps(400, 500), "starting as the meeting ends is free");
        assert!(index.overlaps(399, 401));
        assert!(index.overlaps(0, 101));
        assert!(index.overlaps(200, 250));
    }
}
