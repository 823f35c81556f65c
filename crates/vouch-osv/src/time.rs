//! Calendar arithmetic without a date crate: Unix seconds to RFC 3339 (UTC) and `YYYY-MM-DD`
//! dates for ignore-file expiries. Civil-from-days after Howard Hinnant's algorithms.

use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar date (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year.
    pub year: i64,
    /// Month, 1–12.
    pub month: u8,
    /// Day, 1–31.
    pub day: u8,
}

impl Date {
    /// Parse `YYYY-MM-DD` (also the date part of an RFC 3339 timestamp).
    pub fn parse(s: &str) -> Option<Date> {
        let s = s.trim();
        let d = s.get(..10).unwrap_or(s);
        let mut it = d.splitn(3, '-');
        let year: i64 = it.next()?.parse().ok()?;
        let month: u8 = it.next()?.parse().ok()?;
        let day: u8 = it.next()?.parse().ok()?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Today, in UTC.
    pub fn today() -> Date {
        let (date, _) = civil(now_unix());
        date
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The UTC date and seconds-of-day of a Unix time.
fn civil(secs: i64) -> (Date, i64) {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = if m <= 2 { y + 1 } else { y };
    (
        Date {
            year,
            month: m,
            day: d,
        },
        sod,
    )
}

/// RFC 3339 in UTC, to the second: `2024-10-10T12:00:00Z`.
pub fn rfc3339(secs: i64) -> String {
    let (d, sod) = civil(secs);
    format!(
        "{d}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// A short human age: `3 minutes`, `5 hours`, `12 days`.
pub fn age(secs: i64) -> String {
    let s = secs.max(0);
    let (n, unit) = if s < 120 {
        (s, "second")
    } else if s < 7200 {
        (s / 60, "minute")
    } else if s < 172_800 {
        (s / 3600, "hour")
    } else {
        (s / 86_400, "day")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_728_561_600), "2024-10-10T12:00:00Z");
        assert_eq!(rfc3339(-86_400), "1969-12-31T00:00:00Z");
    }

    #[test]
    fn dates() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()),
            Some("2024-02-29".into())
        );
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert!(Date::parse("soon").is_none());
        assert!(Date::parse("2024-01-01").unwrap() < Date::parse("2024-01-02").unwrap());
        assert_eq!(age(90), "90 seconds");
        assert_eq!(age(3 * 86_400), "3 days");
    }
}
