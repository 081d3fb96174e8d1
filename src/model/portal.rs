//! Self-service permission records (issue 11 item 3): what an internal developer portal
//! says it provisioned — one role and one customer managed policy per record, for a
//! requester, until an expiry — kept beside the role and policy the record becomes, so
//! lint can name the record, its requester and its expiry, and compare the record with an
//! account dump of the same side.

use serde::Serialize;

use super::{Place, PolicyId};

/// One provisioned-permission record of a portal export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalRecord {
    /// The record's `identifier` (`Permission-<run id>`).
    pub identifier: String,
    /// `properties.requester` (an e-mail), when the record has one.
    pub requester: Option<String>,
    /// `properties.expiry_time` as written, and as seconds since the epoch.
    pub expiry: Option<(String, i64)>,
    /// The account of the role ARN.
    pub account: String,
    pub role_name: String,
    pub role_arn: String,
    pub policy_name: String,
    pub policy_arn: String,
    /// The record's policy document and trust policy, among the side's policies.
    pub policy: PolicyId,
    pub trust: PolicyId,
    /// The record carries no trust policy: it is the one the portal's workflow writes
    /// (the account root, no condition), placed at `role_arn`.
    pub trust_implied: bool,
    /// The actions the record's `permissions` relation names, and its target resource.
    pub permissions: Vec<String>,
    pub resource: Option<String>,
    /// Whether the side's account dump already had the role, in which case the record did
    /// not add one (the dump is what AWS has; lint compares the two).
    pub dumped: bool,
    /// The entity, and its `role_arn`, `policy_arn`, `expiry_time`, `relations/permissions`.
    pub place: Place,
    pub role_place: Place,
    pub policy_place: Place,
    pub expiry_place: Place,
    pub permissions_place: Place,
}

/// The record's origin as findings carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortalOrigin {
    pub record: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<String>,
}

impl PortalRecord {
    pub fn origin(&self) -> PortalOrigin {
        PortalOrigin {
            record: self.identifier.clone(),
            requester: self.requester.clone(),
            expiry: self.expiry.as_ref().map(|(t, _)| t.clone()),
        }
    }
}

/// Seconds since 1970-01-01 UTC of an RFC 3339 time (`2026-11-21T09:00:00.000Z`,
/// `2026-11-21T10:00:00+01:00`); `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let d = b.get(from..from + len)?;
        d.iter().try_fold(0i64, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    };
    let sep = |at: usize, c: &[u8]| b.get(at).is_some_and(|x| c.contains(x));
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = match mo {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if d == 0 || d > days_in || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    if sep(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b":") => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if c == b'+' { o } else { -o }
        }
        _ => return None,
    };
    // days from civil (Howard Hinnant's algorithm)
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy.rem_euclid(400);
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec.min(59) - offset)
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339;

    #[test]
    fn rfc3339_times_and_not() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-21T09:00:00.000Z"),
            Some(1_795_251_600)
        );
        assert_eq!(
            parse_rfc3339("2026-11-21T10:00:00+01:00"),
            parse_rfc3339("2026-11-21T09:00:00Z")
        );
        for bad in [
            "",
            "2026-11-21",
            "2026-13-01T00:00:00Z",
            "2026-02-30T00:00:00Z",
            "2026-11-21T09:00:00",
            "2026-11-21T09:00:00.Z",
            "tomorrow",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
