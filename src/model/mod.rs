//! Value types with no dependency on the rest of the crate: national identifiers, places and
//! local time, digests, user-agent classes, and the text and serde helpers every layer uses.

pub(crate) mod digest;
pub(crate) mod geo;
pub(crate) mod local_time;
pub(crate) mod national_id;
pub(crate) mod text;
pub(crate) mod user_agent;
pub(crate) mod wire;

pub use digest::{Digest128, Fingerprint, HexError, Pseudonym};
pub use geo::{
    CountryCode, CountryCodeError, Department, DepartmentError, GeoPoint, GeoPointError,
    PostalArea, postal_area,
};
pub use local_time::{HOURS_PER_WEEK, LocalTime};
pub use national_id::{IdKind, IdRule, MAX_NATIONAL_ID_LEN, NationalId, NationalIdError};
pub use user_agent::{Browser, DeviceType, Os, UserAgentClass};
