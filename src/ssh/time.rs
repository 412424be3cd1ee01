//! Absolute times as OpenSSH writes and reads them (misc.c `parse_absolute_time` and
//! `format_absolute_time`): allowed_signers `valid-after=`/`valid-before=` and
//! `ssh-keygen -Y verify -O verify-time=`.
//!
//! Input is `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, optionally followed by `Z` or `UTC`
//! (either case) meaning UTC. Without a suffix the time is local, and here OpenSSH has a quirk
//! that we reproduce: it hands the fields to `mktime` with `tm_isdst = 0`, so the time is read
//! as the zone's *standard* time all year round. In Europe/Berlin `20240701120000` is therefore
//! 11:00Z (12:00 CET), which ssh-keygen 9.2 prints back as `2024-07-01T13:00:00` (CEST).
//! A side effect is that there is no DST gap or overlap to worry about: every local time maps
//! to exactly one instant.
//!
//! The zone is a parameter because backends never read the environment; callers pass
//! `chrono::Local` (or `Utc` in tests).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};

/// Why a time string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not 8, 12 or 14 characters once the optional `Z`/`UTC` suffix is removed.
    #[error("expected YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally followed by Z or UTC")]
    BadLength,
    /// Something other than an ASCII digit where a digit belongs.
    #[error("time contains a character that is not a digit")]
    NotDigits,
    /// Month, day, hour, minute or second out of range (`20240230`, `202401012400`, ...).
    #[error("no such date or time of day")]
    NoSuchTime,
    /// The instant is before the Unix epoch; OpenSSH refuses these too.
    #[error("time is before 1970-01-01T00:00:00Z")]
    BeforeEpoch,
}

/// Largest DST shift we expect (wartime "double summer time" and Antarctica/Troll use 2h).
/// Lower offsets than this below the current one are taken as permanent zone changes, not DST.
const MAX_DST_SHIFT: i32 = 2 * 3600;

/// Parse an OpenSSH absolute time into Unix seconds; times without a `Z`/`UTC` suffix are in
/// `local`'s standard time (see the module docs).
///
/// Deliberately stricter than glibc's `strptime`, which ssh-keygen uses and which accepts day
/// 31 in any month and seconds 60-61 (normalising them into the next month/minute) and spaces
/// in place of leading zeros: all of those are [`TimeError`]s here.
pub fn parse_absolute_time<Tz: TimeZone>(s: &str, local: &Tz) -> Result<i64, TimeError> {
    let bytes = s.as_bytes();
    let (digits, is_utc) = if bytes.len() > 1 && bytes[bytes.len() - 1].eq_ignore_ascii_case(&b'z')
    {
        (&bytes[..bytes.len() - 1], true)
    } else if bytes.len() > 3 && bytes[bytes.len() - 3..].eq_ignore_ascii_case(b"utc") {
        (&bytes[..bytes.len() - 3], true)
    } else {
        (bytes, false)
    };
    if !matches!(digits.len(), 8 | 12 | 14) {
        return Err(TimeError::BadLength);
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err(TimeError::NotDigits);
    }
    // Fields missing from the shorter forms are zero.
    let field = |from: usize, to: usize| {
        digits.get(from..to).map_or(0, |d| {
            d.iter()
                .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
        })
    };
    let naive = i32::try_from(field(0, 4))
        .ok()
        .and_then(|year| NaiveDate::from_ymd_opt(year, field(4, 6), field(6, 8)))
        .and_then(|date| date.and_hms_opt(field(8, 10), field(10, 12), field(12, 14)))
        .ok_or(TimeError::NoSuchTime)?;

    let as_utc = naive.and_utc().timestamp();
    let t = if is_utc {
        as_utc
    } else {
        as_utc - i64::from(standard_offset(local, &naive))
    };
    if t < 0 {
        return Err(TimeError::BeforeEpoch);
    }
    Ok(t)
}

/// The zone's standard (non-DST) UTC offset in seconds around `naive`.
///
/// chrono cannot tell us whether an offset is DST, so we infer it the way glibc's `mktime`
/// effectively does when asked for `tm_isdst = 0`: use the offset of nearby standard time. We
/// take the smallest offset the zone has within about six months either side (DST always adds
/// time in the usual tzdata encoding), ignoring offsets more than [`MAX_DST_SHIFT`] below the
/// current one, which are permanent changes of zone rather than DST.
///
/// Known divergence: zones that tzdata encodes with *negative* DST (Europe/Dublin's winter
/// GMT, Africa/Casablanca's Ramadan time) have their summer offset flagged as standard, and
/// glibc uses that one; we use the lower one, so unsuffixed times there differ by an hour.
fn standard_offset<Tz: TimeZone>(local: &Tz, naive: &NaiveDateTime) -> i32 {
    // Sampling treats the local time as if it were UTC; being off by the zone's offset does not
    // matter when the samples are two weeks apart.
    let offset_at = |days: i64| {
        naive
            .checked_add_signed(TimeDelta::days(days))
            .map(|at| local.offset_from_utc_datetime(&at).fix().local_minus_utc())
    };
    let here = offset_at(0).unwrap_or(0);
    (-12..=12)
        .filter_map(|k| offset_at(k * 15))
        .filter(|&offset| offset >= here - MAX_DST_SHIFT)
        .fold(here, i32::min)
}

/// Earliest and latest instants we format: years 0000 to 9999, so `%Y` stays four digits.
const FORMAT_MIN: i64 = -62_167_219_200;
const FORMAT_MAX: i64 = 253_402_300_799;

/// Format Unix seconds as `%Y-%m-%dT%H:%M:%S` in `local` (its real offset, DST included), as
/// ssh-keygen prints times in messages such as `key has expired: verify time ... > valid-before
/// ...`. Out-of-range values are clamped rather than rejected, as OpenSSH clamps to `time_t`.
pub fn format_absolute_time<Tz: TimeZone>(t: i64, local: &Tz) -> String {
    let utc = DateTime::from_timestamp(t.clamp(FORMAT_MIN, FORMAT_MAX), 0)
        .map(|d| d.naive_utc())
        .unwrap_or_default();
    let offset = local.offset_from_utc_datetime(&utc).fix().local_minus_utc();
    utc.checked_add_signed(TimeDelta::seconds(i64::from(offset)))
        .unwrap_or(utc)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// Time zones for tests: a rule-based stand-in for Europe/Berlin, so that DST behaviour can be
/// tested without reading the environment or adding a tz database crate.
#[cfg(test)]
pub(crate) mod test_zones {
    use chrono::{
        Datelike, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, TimeDelta, TimeZone,
    };

    /// Central European Time with EU DST rules (+01:00, +02:00 from the last Sunday of March
    /// 01:00Z to the last Sunday of October 01:00Z), valid for the years the tests use.
    #[derive(Debug, Clone, Copy)]
    pub(crate) struct Berlin;

    const CET: i32 = 3600;
    const CEST: i32 = 7200;

    fn last_sunday_0100z(year: i32, month: u32) -> NaiveDateTime {
        let first_of_next = NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap();
        let last = first_of_next.pred_opt().unwrap();
        let back = i64::from(last.weekday().num_days_from_sunday());
        (last - TimeDelta::days(back)).and_hms_opt(1, 0, 0).unwrap()
    }

    fn offset_at_utc(utc: &NaiveDateTime) -> i32 {
        let y = utc.year();
        if *utc >= last_sunday_0100z(y, 3) && *utc < last_sunday_0100z(y, 10) {
            CEST
        } else {
            CET
        }
    }

    fn fixed(seconds: i32) -> FixedOffset {
        FixedOffset::east_opt(seconds).unwrap()
    }

    impl TimeZone for Berlin {
        type Offset = FixedOffset;

        fn from_offset(_: &FixedOffset) -> Self {
            Berlin
        }

        fn offset_from_local_date(&self, local: &NaiveDate) -> LocalResult<FixedOffset> {
            self.offset_from_local_datetime(&local.and_hms_opt(0, 0, 0).unwrap())
        }

        fn offset_from_local_datetime(&self, local: &NaiveDateTime) -> LocalResult<FixedOffset> {
            let fits = |o: i32| offset_at_utc(&(*local - TimeDelta::seconds(o.into()))) == o;
            match (fits(CET), fits(CEST)) {
                (true, true) => LocalResult::Ambiguous(fixed(CEST), fixed(CET)),
                (true, false) => LocalResult::Single(fixed(CET)),
                (false, true) => LocalResult::Single(fixed(CEST)),
                (false, false) => LocalResult::None,
            }
        }

        fn offset_from_utc_date(&self, utc: &NaiveDate) -> FixedOffset {
            self.offset_from_utc_datetime(&utc.and_hms_opt(0, 0, 0).unwrap())
        }

        fn offset_from_utc_datetime(&self, utc: &NaiveDateTime) -> FixedOffset {
            fixed(offset_at_utc(utc))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_zones::Berlin;
    use super::*;
    use chrono::{FixedOffset, Utc};

    fn utc(s: &str) -> Result<i64, TimeError> {
        parse_absolute_time(s, &Utc)
    }

    #[test]
    fn three_lengths_and_suffixes() {
        assert_eq!(utc("20240101"), Ok(1_704_067_200));
        assert_eq!(utc("202401011230"), Ok(1_704_112_200));
        assert_eq!(utc("20240101123045"), Ok(1_704_112_245));
        for suffixed in [
            "20240101Z",
            "20240101z",
            "20240101UTC",
            "20240101utc",
            "20240101Utc",
        ] {
            // The suffix wins over the zone passed in.
            assert_eq!(
                parse_absolute_time(suffixed, &Berlin),
                Ok(1_704_067_200),
                "{suffixed}"
            );
        }
        assert_eq!(utc("20240101123045Z"), Ok(1_704_112_245));
    }

    #[test]
    fn rejects_malformed_input() {
        use TimeError::*;
        for (input, err) in [
            ("", BadLength),
            ("Z", BadLength),
            ("UTC", BadLength),
            ("2024010", BadLength),
            ("2024010112", BadLength),
            ("202401011230451", BadLength),
            ("20240101ZZ", BadLength),
            ("20240101UTCZ", BadLength),
            ("20240101 UTC", BadLength),
            ("2024 1 1", NotDigits),
            ("2024-1-1", NotDigits),
            ("+2024010", NotDigits),
            ("202401\u{e9}", NotDigits), // 8 bytes, as OpenSSH counts
            ("20241301", NoSuchTime),
            ("20240001", NoSuchTime),
            ("20240100", NoSuchTime),
            ("20240132", NoSuchTime),
            ("20230229", NoSuchTime),
            ("20240231", NoSuchTime),
            ("202401012400", NoSuchTime),
            ("202401011260", NoSuchTime),
            ("20240101123060", NoSuchTime),
            ("19691231Z", BeforeEpoch),
            ("00000101", BeforeEpoch),
        ] {
            assert_eq!(utc(input), Err(err), "{input:?}");
        }
        assert_eq!(utc("20240229"), Ok(1_709_164_800), "leap day");
        assert_eq!(utc("19700101Z"), Ok(0));
        assert_eq!(utc("99991231235959Z"), Ok(FORMAT_MAX));
    }

    #[test]
    fn fixed_offset_zone() {
        let tokyo = FixedOffset::east_opt(9 * 3600).unwrap();
        assert_eq!(
            parse_absolute_time("20240101090000", &tokyo),
            Ok(1_704_067_200)
        );
        assert_eq!(
            format_absolute_time(1_704_067_200, &tokyo),
            "2024-01-01T09:00:00"
        );
        let west = FixedOffset::west_opt(5 * 3600).unwrap();
        assert_eq!(utc("19700101"), Ok(0));
        assert_eq!(parse_absolute_time("19700101", &west), Ok(5 * 3600));
        // 1970-01-01 00:00 at +09:00 is before the epoch.
        assert_eq!(
            parse_absolute_time("19700101", &tokyo),
            Err(TimeError::BeforeEpoch)
        );
    }

    #[test]
    fn local_times_are_standard_time_like_openssh() {
        // Values observed with TZ=Europe/Berlin ssh-keygen 9.2 (printed valid-before).
        let cases = [
            ("20240101120000", "2024-01-01T12:00:00"),
            ("20240701120000", "2024-07-01T13:00:00"),
            // In the spring-forward gap: 02:30 CET exists as a standard time.
            ("20240331023000", "2024-03-31T03:30:00"),
            // In the autumn overlap: the standard-time (second) 02:30.
            ("20241027023000", "2024-10-27T02:30:00"),
            ("20240701120000Z", "2024-07-01T14:00:00"),
        ];
        for (input, shown) in cases {
            let t = parse_absolute_time(input, &Berlin).unwrap();
            assert_eq!(format_absolute_time(t, &Berlin), shown, "{input}");
        }
        assert_eq!(
            parse_absolute_time("20241027023000", &Berlin),
            Ok(1_729_992_600)
        );
    }

    #[test]
    fn formatting_clamps_instead_of_panicking() {
        assert_eq!(format_absolute_time(0, &Utc), "1970-01-01T00:00:00");
        assert_eq!(format_absolute_time(i64::MAX, &Utc), "9999-12-31T23:59:59");
        assert_eq!(format_absolute_time(i64::MIN, &Utc), "0000-01-01T00:00:00");
        // Must not panic even when the offset pushes past the clamp.
        let _ = format_absolute_time(i64::MAX, &FixedOffset::east_opt(86_399).unwrap());
        let _ = format_absolute_time(i64::MIN, &FixedOffset::west_opt(86_399).unwrap());
    }

    #[test]
    fn round_trips_through_format() {
        for t in [1, 59, 86_399, 951_782_400, 1_700_000_000, 4_102_444_800] {
            let shown = format_absolute_time(t, &Utc).replace(['-', 'T', ':'], "");
            assert_eq!(utc(&shown), Ok(t));
        }
    }
}
