//! [`ContextError`]: why a login's inputs were refused.

use time::{Duration, OffsetDateTime};

use crate::input::claims::ClaimsError;
use crate::model::geo::{CountryCodeError, GeoPointError};
use crate::model::text::rfc3339;

/// Why a context was rejected. Messages name the field (as in the JSON form) and the value.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ContextError {
    /// A text input exceeds its limit.
    #[error("`{field}` `{value}` is {len} bytes long, above the limit of {max}")]
    TooLong {
        /// Field path.
        field: &'static str,
        /// The value, shortened, its control characters escaped.
        value: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A list input exceeds [`MAX_LIST_LEN`](super::MAX_LIST_LEN).
    #[error("`{field}` has {len} entries, above the limit of {max}")]
    TooMany {
        /// Field path.
        field: &'static str,
        /// Number of entries given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A text input is empty.
    #[error("`{field}` is empty")]
    Empty {
        /// Field path.
        field: &'static str,
    },
    /// A text input holds control characters.
    #[error("`{field}` `{value}` holds control characters")]
    Control {
        /// Field path.
        field: &'static str,
        /// The value, shortened, its control characters escaped.
        value: String,
    },
    /// A timestamp lies after the login time by more than [`FUTURE_TOLERANCE`](super::FUTURE_TOLERANCE).
    #[error(
        "`{field}` `{}` is after the login time `{}` by more than {tolerance}",
        rfc3339(value),
        rfc3339(now)
    )]
    InFuture {
        /// Field path.
        field: &'static str,
        /// The timestamp.
        value: OffsetDateTime,
        /// The login time.
        now: OffsetDateTime,
        /// The tolerance.
        tolerance: Duration,
    },
    /// A timestamp before 1970 or not representable.
    #[error("`{field}` `{value}` is not a time between 1970 and 9999")]
    Timestamp {
        /// Field path.
        field: &'static str,
        /// The value as given (Unix seconds, or RFC 3339 rendering).
        value: String,
    },
    /// Bad coordinates.
    #[error("`{field}`: {source}")]
    Geo {
        /// Field path.
        field: &'static str,
        /// What is wrong.
        source: GeoPointError,
    },
    /// Bad country code.
    #[error("`{field}`: {source}")]
    Country {
        /// Field path.
        field: &'static str,
        /// What is wrong.
        source: CountryCodeError,
    },
    /// A fixed UTC offset outside −12:00..+14:00.
    #[error("`local_time` offset `{0}` minutes is outside -720..=840")]
    Offset(i16),
    /// The claims do not identify the professional.
    #[error(transparent)]
    Claims(#[from] ClaimsError),
}
