//! Danish display formats, shared by the widget and the downloads:
//! `1.234.567 kr.`, `tirsdag 3. november 2020 kl. 10.00`, `25,9 %`.

use jiff::civil::{Date, Time, Weekday};

use crate::time::LocalTime;

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "mandag",
        Weekday::Tuesday => "tirsdag",
        Weekday::Wednesday => "onsdag",
        Weekday::Thursday => "torsdag",
        Weekday::Friday => "fredag",
        Weekday::Saturday => "lørdag",
        Weekday::Sunday => "søndag",
    }
}

pub fn month_name(month: i8) -> &'static str {
    const NAMES: [&str; 12] = [
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ];
    NAMES[usize::try_from(month - 1).unwrap_or(0).min(11)]
}

/// `1.234.567`: thousands separated by full stops.
pub fn integer(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `1.234.567 kr.`
pub fn kroner(n: i64) -> String {
    format!("{} kr.", integer(n))
}

/// `25,9 %` with the given number of decimals.
pub fn percent(value: f64, decimals: usize) -> String {
    format!("{value:.decimals$} %").replace('.', ",")
}

/// `3. november 2020`
pub fn date(d: Date) -> String {
    format!("{}. {} {}", d.day(), month_name(d.month()), d.year())
}

/// `tirsdag 3. november 2020`
pub fn date_with_weekday(d: Date) -> String {
    format!("{} {}", weekday_name(d.weekday()), date(d))
}

/// `10.00`
pub fn time(t: Time) -> String {
    format!("{:02}.{:02}", t.hour(), t.minute())
}

/// `tirsdag 3. november 2020 kl. 10.00`, in Copenhagen time.
pub fn date_time(t: LocalTime) -> String {
    let dt = t.datetime();
    format!("{} kl. {}", date_with_weekday(dt.date()), time(dt.time()))
}

/// `tirsdag 8. december 2026 kl. 09.00–10.00`; a span that ends on another
/// day names both: `… kl. 23.00 – onsdag 9. december 2026 kl. 01.00`.
pub fn date_time_span(start: LocalTime, end: LocalTime) -> String {
    let end_dt = end.datetime();
    if end_dt.date() == start.date() {
        format!("{}–{}", date_time(start), time(end_dt.time()))
    } else {
        format!("{} – {}", date_time(start), date_time(end))
    }
}

/// `2 t 19 min`, `45 min`, `1 t`: a drive's length as the agenda and the
/// coordinator's calendar give it.
pub fn duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} t"),
        (h, m) => format!("{h} t {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil;

    #[test]
    fn durations_read_as_hours_and_minutes() {
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(60), "1 t");
        assert_eq!(duration(139), "2 t 19 min");
    }

    #[test]
    fn amounts_use_danish_thousand_separators() {
        assert_eq!(kroner(1_234_567), "1.234.567 kr.");
        assert_eq!(kroner(0), "0 kr.");
        assert_eq!(kroner(999), "999 kr.");
        assert_eq!(kroner(1000), "1.000 kr.");
        assert_eq!(integer(-1_000_000), "-1.000.000");
    }

    #[test]
    fn dates_and_times_read_as_danish_text() {
        let t = LocalTime::from_local(civil::date(2020, 11, 3).at(10, 0, 0, 0));
        assert_eq!(date_time(t), "tirsdag 3. november 2020 kl. 10.00");
        assert_eq!(percent(25.93, 1), "25,9 %");
    }

    #[test]
    fn a_session_reads_as_its_day_and_its_start_and_end_times() {
        let at = |d: civil::DateTime| LocalTime::from_local(d);
        let day = civil::date(2026, 12, 8);
        assert_eq!(
            date_time_span(at(day.at(9, 0, 0, 0)), at(day.at(10, 30, 0, 0))),
            "tirsdag 8. december 2026 kl. 09.00–10.30"
        );
        assert_eq!(
            date_time_span(at(day.at(23, 0, 0, 0)), at(civil::date(2026, 12, 9).at(1, 0, 0, 0))),
            "tirsdag 8. december 2026 kl. 23.00 – onsdag 9. december 2026 kl. 01.00"
        );
    }
}
