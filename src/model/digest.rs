//! SHA-256 digests: hashed identifiers (devices, user agents), login events (through
//! [`encoding`]) and policy fingerprints.
//!
//! Every hash is domain-separated and length-prefixed, so a device id can never collide with a
//! user agent, and `("ab", "c")` never hashes like `("a", "bc")`.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

mod encoding;

/// A SHA-256 that has read a domain tag, length-prefixed.
fn tagged(domain: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update((domain.len() as u64).to_be_bytes());
    hasher.update(domain.as_bytes());
    hasher
}

/// SHA-256 over length-prefixed parts, after a domain tag.
pub(crate) fn sha256(domain: &str, parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = tagged(domain);
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// A 128-bit hash of an identifier the crate must compare but never keep in clear (a device
/// cookie, a full user-agent string). 128 bits keep collisions out of reach for per-user sets and
/// population tables alike, at half the storage of a full SHA-256. Serialized as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Digest128([u8; 16]);

// Byte order, compared as one big-endian integer: the same order as the bytes', without a
// `memcmp` call per comparison (population tables are searched on every login).
impl Ord for Digest128 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        u128::from_be_bytes(self.0).cmp(&u128::from_be_bytes(other.0))
    }
}

impl PartialOrd for Digest128 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Digest128 {
    /// Hash `parts` under `domain`, keeping the first 16 bytes of the SHA-256.
    pub(crate) fn of(domain: &str, parts: &[&[u8]]) -> Self {
        Self::truncate(sha256(domain, parts))
    }

    /// Hash `value` under `domain`, as its `Serialize` impl writes it, in the binary form of
    /// [`encoding`] (which allocates nothing; the value's own impl may). Equal values of a type
    /// whose serialized form is canonical (sorted lists, times in UTC: a validated login event)
    /// hash equal. Should the value's `Serialize` impl fail, its `Debug` form is hashed
    /// instead, marked as such, so the digest still covers the whole value.
    pub(crate) fn of_value<T: Serialize + fmt::Debug + ?Sized>(domain: &str, value: &T) -> Self {
        // The first byte after the tag says which form follows.
        let mut hasher = tagged(domain);
        hasher.update([0]);
        if encoding::encode(value, &mut hasher).is_err() {
            struct Sink(Sha256);
            impl fmt::Write for Sink {
                fn write_str(&mut self, s: &str) -> fmt::Result {
                    self.0.update(s.as_bytes());
                    Ok(())
                }
            }
            let mut sink = Sink(tagged(domain));
            sink.0.update([1]);
            // Writing into the hash cannot fail.
            let _ = fmt::Write::write_fmt(&mut sink, format_args!("{value:?}"));
            hasher = sink.0;
        }
        Self::truncate(hasher.finalize().into())
    }

    fn truncate(full: [u8; 32]) -> Self {
        let mut out = [0u8; 16];
        for (o, b) in out.iter_mut().zip(full.iter()) {
            *o = *b;
        }
        Digest128(out)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

/// A SHA-256 fingerprint (of a policy's canonical form), serialized as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    // Used by the policy fingerprint, which lives on another branch.
    #[allow(dead_code)]
    pub(crate) fn new(bytes: [u8; 32]) -> Self {
        Fingerprint(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// A keyed pseudonym of an identifier: HMAC-SHA256 under the provider's
/// [`PseudonymKey`](crate::PseudonymKey), truncated to 128 bits, serialized as 32 hex digits.
/// The same identifier under the same key always gives the same pseudonym, so reports and audit
/// records can be linked; without the key, it says nothing about the identifier.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Pseudonym([u8; 16]);

impl Pseudonym {
    pub(crate) const fn from_bytes(bytes: [u8; 16]) -> Self {
        Pseudonym(bytes)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

/// A hex string of the wrong length or with a non-hex character.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not {digits} hex digits")]
pub struct HexError {
    value: String,
    digits: usize,
}

/// Lowercase hex of up to 32 bytes, in `out`: one pass over the bytes, no formatter per byte
/// (a login event's digest, serialized, is written on every context build).
fn hex<'a>(bytes: &[u8], out: &'a mut [u8; 64]) -> &'a str {
    let digit = |n: u8| if n < 10 { b'0' + n } else { b'a' + n - 10 };
    let mut len = 0;
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        if let [h, l] = pair {
            *h = digit(b >> 4);
            *l = digit(b & 0xf);
            len += 2;
        }
    }
    // Hex digits are ASCII, so always UTF-8.
    out.get(..len)
        .and_then(|text| std::str::from_utf8(text).ok())
        .unwrap_or_default()
}

fn write_hex(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(hex(bytes, &mut [0; 64]))
}

fn parse_hex<const N: usize>(text: &str) -> Result<[u8; N], HexError> {
    let err = || HexError {
        value: crate::model::text::quoted(text),
        digits: N * 2,
    };
    let bytes = text.as_bytes();
    if bytes.len() != N * 2 {
        return Err(err());
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        match pair {
            [h, l] => *o = (nibble(*h).ok_or_else(err)? << 4) | nibble(*l).ok_or_else(err)?,
            _ => return Err(err()),
        }
    }
    Ok(out)
}

macro_rules! hex_newtype {
    ($name:ident, $n:literal) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(&self.0, f)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(", stringify!($name))?;
                write_hex(&self.0, f)?;
                f.write_str(")")
            }
        }
        // As text, built on the stack: `into = "String"` would allocate one per value.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(hex(&self.0, &mut [0; 64]))
            }
        }
        impl std::str::FromStr for $name {
            type Err = HexError;
            fn from_str(s: &str) -> Result<Self, HexError> {
                parse_hex::<$n>(s).map($name)
            }
        }
        impl TryFrom<String> for $name {
            type Error = HexError;
            fn try_from(s: String) -> Result<Self, HexError> {
                s.parse()
            }
        }
        impl From<$name> for String {
            fn from(d: $name) -> String {
                d.to_string()
            }
        }
    };
}
hex_newtype!(Digest128, 16);
hex_newtype!(Fingerprint, 32);
hex_newtype!(Pseudonym, 16);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn domain_and_length_separation() {
        assert_ne!(
            Digest128::of("device", &[b"ab", b"c"]),
            Digest128::of("device", &[b"a", b"bc"])
        );
        assert_ne!(
            Digest128::of("device", &[b"x"]),
            Digest128::of("user-agent", &[b"x"])
        );
        assert_eq!(
            Digest128::of("device", &[b"x"]),
            Digest128::of("device", &[b"x"])
        );
    }

    #[test]
    fn value_digests_are_the_tagged_encoding() {
        // `("ab", Some(1u8), -0.0)`: a tuple of a string (length 2), an option and a float
        // (`-0.0` as `0.0`), then the end of the tuple; after the domain and form tags.
        let mut h = tagged("t");
        h.update([0]);
        h.update([
            27, 17, 2, b'a', b'b', 20, 9, 1, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        assert_eq!(
            Digest128::of_value("t", &("ab", Some(1u8), -0.0f64)),
            Digest128::truncate(h.finalize().into())
        );
        assert_ne!(
            Digest128::of_value("t", &1u8),
            Digest128::of_value("u", &1u8)
        );
    }

    #[test]
    fn value_digests_tell_apart_what_text_could_confuse() {
        fn differ<A: Serialize + fmt::Debug, B: Serialize + fmt::Debug>(a: A, b: B) {
            assert_ne!(
                Digest128::of_value("t", &a),
                Digest128::of_value("t", &b),
                "{a:?} and {b:?}"
            );
        }
        differ(("ab", "c"), ("a", "bc"));
        differ(vec!["a,b"], vec!["a", "b"]);
        differ(vec![vec![1u8], vec![]], vec![vec![], vec![1u8]]);
        differ(Some(None::<u8>), None::<Option<u8>>);
        differ(Some(""), None::<&str>);
        differ(1u32, 1u64);
        differ(1u8, true);
        differ(0.1f64, 0.1f32);
        differ('a', "a");
        differ(serde_bytes_like(b"a"), "a");
        differ(
            std::collections::BTreeMap::from([("a", 1u8)]),
            std::collections::BTreeMap::from([("b", 1u8)]),
        );
        differ(
            std::collections::BTreeMap::from([((1, 2), 3)]),
            std::collections::BTreeMap::from([((1, 2), 4)]),
        );
        // A field skipped, another present: the names tell them apart.
        #[derive(Serialize, Debug)]
        struct Two {
            #[serde(skip_serializing_if = "Option::is_none")]
            a: Option<u8>,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<u8>,
        }
        differ(
            Two {
                a: Some(1),
                b: None,
            },
            Two {
                a: None,
                b: Some(1),
            },
        );
        // Variants by index, whatever their content.
        #[derive(Serialize, Debug)]
        enum E {
            A(u8),
            B(u8),
            C { x: u8 },
            D,
        }
        differ(E::A(1), E::B(1));
        differ(E::C { x: 1 }, E::A(1));
        differ(E::D, E::A(0));
        // Equal values, equal digests; `-0.0` is `0.0`.
        assert_eq!(
            Digest128::of_value("t", &(0.0f64, "x")),
            Digest128::of_value("t", &(-0.0f64, "x"))
        );
    }

    /// Bytes, serialized as bytes rather than as a sequence of `u8`.
    fn serde_bytes_like(b: &'static [u8]) -> impl Serialize + fmt::Debug {
        #[derive(Debug)]
        struct Bytes(&'static [u8]);
        impl Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Bytes(b)
    }

    #[test]
    fn display_values_hash_as_their_text() {
        // `collect_str` (here a digest's hex) and the same text as a `str` hash alike.
        #[derive(Debug)]
        struct Shown(Digest128);
        impl Serialize for Shown {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&self.0)
            }
        }
        let d = Digest128::of("device", &[b"x"]);
        assert_eq!(
            Digest128::of_value("t", &Shown(d)),
            Digest128::of_value("t", &d.to_string())
        );
        assert_eq!(
            Digest128::of_value("t", &d),
            Digest128::of_value("t", &Shown(d))
        );
    }

    #[test]
    fn value_digests_allocate_nothing() {
        // A value whose own `Serialize` impls allocate nothing: text, numbers, options, lists,
        // maps, enums, an address, digests (hex on the stack) and `Display` text, which the
        // default `collect_str` would put in a `String`.
        #[derive(Serialize, Debug)]
        struct Shown(#[serde(serialize_with = "shown")] u32);
        fn shown<S: serde::Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
            s.collect_str(v)
        }
        #[derive(Serialize, Debug)]
        enum E {
            A { x: f64 },
        }
        let text = "x".repeat(1000);
        let map = std::collections::BTreeMap::from([("k", vec![Some(1u64), None])]);
        let ip: std::net::IpAddr = "2001:db8::1".parse().unwrap();
        let value = (
            text.as_str(),
            &map,
            ip,
            Digest128::of("t", &[]),
            Pseudonym([7; 16]),
            Shown(12345),
            E::A { x: 0.5 },
            'é',
        );
        let info = allocation_counter::measure(|| {
            std::hint::black_box(Digest128::of_value("t", std::hint::black_box(&value)));
        });
        assert_eq!(info.count_total, 0);
    }

    #[test]
    fn a_value_that_fails_to_serialize_hashes_its_debug_form() {
        #[derive(Debug)]
        struct Fails(u8);
        impl Serialize for Fails {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom(self.0))
            }
        }
        let mut h = tagged("t");
        h.update([1]);
        h.update(b"Fails(1)");
        assert_eq!(
            Digest128::of_value("t", &Fails(1)),
            Digest128::truncate(h.finalize().into())
        );
        assert_ne!(
            Digest128::of_value("t", &Fails(1)),
            Digest128::of_value("t", &Fails(2))
        );
    }

    #[test]
    fn struct_fields_are_known_by_name_whatever_the_impl_announces() {
        // A hand-written impl that announces only the fields it writes, without `skip_field`
        // (by position, `a = 1` and `b = 1` would read alike).
        #[derive(Debug)]
        struct Sparse(Option<u8>, Option<u8>);
        impl Serialize for Sparse {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct as _;
                let present = usize::from(self.0.is_some()) + usize::from(self.1.is_some());
                let mut st = s.serialize_struct("Sparse", present)?;
                for (key, field) in [("a", self.0), ("b", self.1)] {
                    if let Some(v) = field {
                        st.serialize_field(key, &v)?;
                    }
                }
                st.end()
            }
        }
        assert_ne!(
            Digest128::of_value("t", &Sparse(Some(1), None)),
            Digest128::of_value("t", &Sparse(None, Some(1)))
        );
        // `STRUCT`, then `FIELD` with its name and value, each field in turn, then `END`.
        let mut h = tagged("t");
        h.update([0]);
        h.update([31, 1, 1, b'a', 9, 1, 1, 1, b'b', 9, 2, 0]);
        assert_eq!(
            Digest128::of_value("t", &Sparse(Some(1), Some(2))),
            Digest128::truncate(h.finalize().into())
        );
    }

    #[test]
    fn a_display_that_writes_another_text_the_second_time_hashes_its_debug_form() {
        // Its length is counted in a first pass: a second pass of another length would forge
        // the values after it (here, as if the tuple held `""` then `"x"`).
        #[derive(Debug)]
        struct Flaky(std::cell::Cell<u8>);
        impl fmt::Display for Flaky {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let n = self.0.get();
                self.0.set(n + 1);
                if n.is_multiple_of(2) {
                    Ok(())
                } else {
                    f.write_str("\u{11}\u{1}x")
                }
            }
        }
        impl Serialize for Flaky {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        let flaky = (Flaky(std::cell::Cell::new(0)),);
        assert_ne!(
            Digest128::of_value("t", &flaky),
            Digest128::of_value("t", &("", "x"))
        );
        // Shorter the second time: refused too, so the `Debug` form is hashed (as it reads
        // then, after the two passes).
        let shrinking = (Flaky(std::cell::Cell::new(1)),);
        let mut h = tagged("t");
        h.update([1]);
        h.update(format!("{:?}", (Flaky(std::cell::Cell::new(3)),)).as_bytes());
        assert_eq!(
            Digest128::of_value("t", &shrinking),
            Digest128::truncate(h.finalize().into())
        );
    }

    #[test]
    fn long_values_hash_whole() {
        // Longer than the encoder's buffer, and around its edge.
        for n in [200, 255, 256, 257, 600, 5000] {
            let a = "x".repeat(n);
            let b = format!("{}y", "x".repeat(n - 1));
            assert_ne!(Digest128::of_value("t", &a), Digest128::of_value("t", &b));
            assert_ne!(
                Digest128::of_value("t", &(&a, 1u8)),
                Digest128::of_value("t", &(&a, 2u8))
            );
        }
    }

    #[test]
    fn sha256_known_answer() {
        // The empty domain and no parts hash one 8-byte zero length.
        let d = sha256("", &[]);
        let expected: [u8; 32] = Sha256::digest([0u8; 8]).into();
        assert_eq!(d, expected);
    }

    #[test]
    fn order_is_byte_order() {
        let a = Digest128([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255]);
        let b = Digest128([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 0]);
        let c = Digest128([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for (x, y) in [(a, b), (b, c), (a, c)] {
            assert!(x < y);
            assert_eq!(x.cmp(&y), x.0.cmp(&y.0));
        }
        assert_eq!(a.cmp(&a), std::cmp::Ordering::Equal);
    }

    #[test]
    fn hex_round_trip_and_errors() {
        let d = Digest128::of("t", &[b"v"]);
        let s = d.to_string();
        assert_eq!(s.len(), 32);
        assert_eq!(s.parse::<Digest128>().unwrap(), d);
        assert_eq!(s.to_uppercase().parse::<Digest128>().unwrap(), d);
        let e = "abc".parse::<Digest128>().unwrap_err();
        assert_eq!(e.to_string(), "`abc` is not 32 hex digits");
        assert!(format!("{}g", &s[..31]).parse::<Digest128>().is_err());
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(serde_json::from_str::<Digest128>(&json).unwrap(), d);
    }
}
