//! Serde helpers shared by the wire forms: structs read from maps only, and maps whose keys may
//! not repeat.
//!
//! **Maps only.** A derived `Deserialize` reads a struct from a map *or from a sequence of its
//! fields in declaration order*, so `"SubjectRefPro": []` or a login event written as a JSON
//! array parsed, by position, into whatever the fields happened to be. Every struct of a wire
//! form therefore derives with `#[serde(remote = "Self")]`, which turns the derived code into
//! inherent functions `Self::deserialize` / `Self::serialize`, and [`map_only!`] writes the
//! trait impls: `Serialize` forwards as is, `Deserialize` asks the format for a map
//! (`deserialize_map`) and hands the map to the derived code (through
//! [`MapAccessDeserializer`]), so a sequence is refused by the format itself ("invalid type:
//! sequence, expected a map of named fields", with serde_json's line and column).
//! Defaults, `deny_unknown_fields`, `flatten`, `untagged` parents, `try_from` wrappers and
//! TOML tables behave as before. Call `<T as Deserialize>::deserialize`, never
//! `T::deserialize`, on such a type inside the crate: the inherent function wins the path
//! lookup and would still read sequences.
//!
//! **Unique keys.** A derived map (`BTreeMap`) keeps the last of two equal keys (serde_json
//! allows them): [`unique_keys`] refuses the second.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

/// The derived deserializer of a `#[serde(remote = "Self")]` struct (implemented by
/// [`map_only!`]).
pub(crate) trait Derived<'de>: Sized {
    /// The derived code, reading from any deserializer.
    fn derived<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;
}

/// Reads a `T` from a map, and from nothing else.
pub(crate) fn from_map<'de, D: Deserializer<'de>, T: Derived<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(MapOnly(PhantomData))
}

struct MapOnly<T>(PhantomData<fn() -> T>);

impl<'de, T: Derived<'de>> Visitor<'de> for MapOnly<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of named fields")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::derived(MapAccessDeserializer::new(map))
    }
}

/// The `Deserialize` (and, with `serialize`, `Serialize`) impls of a struct deriving with
/// `#[serde(remote = "Self")]` (see the module docs):
///
/// * `map_only!(Type);` — the struct derives both;
/// * `map_only!(deserialize Type);` — it derives `Deserialize` only;
/// * `map_only!(Type<K>);`, `map_only!(deserialize Type<K>);` — one type parameter, which
///   must be (de)serializable itself.
macro_rules! map_only {
    (deserialize $ty:ident) => {
        impl<'de> $crate::model::wire::Derived<'de> for $ty {
            fn derived<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $ty::deserialize(deserializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::model::wire::from_map(deserializer)
            }
        }
    };
    (deserialize $ty:ident < $param:ident >) => {
        impl<'de, $param: serde::Deserialize<'de>> $crate::model::wire::Derived<'de> for $ty<$param> {
            fn derived<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $ty::deserialize(deserializer)
            }
        }

        impl<'de, $param: serde::Deserialize<'de>> serde::Deserialize<'de> for $ty<$param> {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::model::wire::from_map(deserializer)
            }
        }
    };
    ($ty:ident $(< $param:ident >)?) => {
        $crate::model::wire::map_only!(deserialize $ty $(< $param >)?);

        impl $(< $param: serde::Serialize >)? serde::Serialize for $ty $(< $param >)? {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, serializer)
            }
        }
    };
}
pub(crate) use map_only;

/// `deserialize_with` for a map whose keys may not repeat: the second occurrence of a key is
/// an error naming it (`key `x` appears twice`), where a `BTreeMap` would keep the last value.
pub(crate) fn unique_keys<'de, D, K, V>(deserializer: D) -> Result<BTreeMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord + fmt::Display,
    V: Deserialize<'de>,
{
    struct UniqueKeys<K, V>(PhantomData<fn() -> (K, V)>);

    impl<'de, K, V> Visitor<'de> for UniqueKeys<K, V>
    where
        K: Deserialize<'de> + Ord + fmt::Display,
        V: Deserialize<'de>,
    {
        type Value = BTreeMap<K, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map with unique keys")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(key) = map.next_key::<K>()? {
                if out.contains_key(&key) {
                    return Err(A::Error::custom(format_args!("key `{key}` appears twice")));
                }
                let value = map.next_value()?;
                out.insert(key, value);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_map(UniqueKeys(PhantomData))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Serialize;

    /// A struct of each shape the crate's wire forms use.
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    #[serde(remote = "Self", deny_unknown_fields)]
    struct Strict {
        a: u32,
        #[serde(default)]
        b: Vec<String>,
    }
    map_only!(Strict);

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(remote = "Self")]
    struct Generic<K> {
        value: K,
    }
    map_only!(deserialize Generic<K>);

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Outer {
        strict: Option<Strict>,
        #[serde(flatten)]
        generic: Generic<u8>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(untagged)]
    enum Either {
        Strict(Strict),
        Numbers(Vec<u32>),
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(try_from = "Strict")]
    struct Checked(u32);

    impl TryFrom<Strict> for Checked {
        type Error = &'static str;
        fn try_from(s: Strict) -> Result<Self, Self::Error> {
            if s.a == 0 {
                Err("a is 0")
            } else {
                Ok(Checked(s.a))
            }
        }
    }

    #[test]
    fn maps_are_read_sequences_refused() {
        let strict = Strict {
            a: 1,
            b: vec!["x".into()],
        };
        assert_eq!(
            serde_json::from_str::<Strict>(r#"{"a": 1, "b": ["x"]}"#).unwrap(),
            strict
        );
        assert_eq!(
            serde_json::to_string(&strict).unwrap(),
            r#"{"a":1,"b":["x"]}"#
        );
        let e = serde_json::from_str::<Strict>(r#"[1, ["x"]]"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid type: sequence, expected a map of named fields at line 1 column 0"
        );
        // serde_json's positions survive errors from inside the derived code.
        let e = serde_json::from_str::<Strict>("{\n\"a\": 1,\n\"z\": 2}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown field `z`, expected `a` or `b` at line 3 column 3"
        );
        let e = serde_json::from_str::<Strict>("{\n\"b\": []}").unwrap_err();
        assert_eq!(e.to_string(), "missing field `a` at line 2 column 8");
        assert!(serde_json::from_str::<Generic<u8>>("[1]").is_err());
        assert_eq!(
            serde_json::from_str::<Generic<u8>>(r#"{"value": 1}"#)
                .unwrap()
                .value,
            1
        );
    }

    #[test]
    fn flatten_untagged_try_from_and_toml_still_work() {
        let outer: Outer = serde_json::from_str(r#"{"strict": {"a": 2}, "value": 3}"#).unwrap();
        assert_eq!(outer.strict.unwrap().a, 2);
        assert_eq!(outer.generic.value, 3);
        assert!(serde_json::from_str::<Outer>(r#"{"strict": [2], "value": 3}"#).is_err());
        assert!(matches!(
            serde_json::from_str::<Either>(r#"{"a": 1}"#).unwrap(),
            Either::Strict(_)
        ));
        assert_eq!(
            serde_json::from_str::<Either>("[1]").unwrap(),
            Either::Numbers(vec![1])
        );
        assert_eq!(
            serde_json::from_str::<Checked>(r#"{"a": 4}"#).unwrap(),
            Checked(4)
        );
        assert!(serde_json::from_str::<Checked>("[4]").is_err());
        let e = serde_json::from_str::<Checked>(r#"{"a": 0}"#).unwrap_err();
        assert!(e.to_string().starts_with("a is 0"), "{e}");
        let toml: Strict = toml::from_str("a = 5\nb = [\"y\"]").unwrap();
        assert_eq!(toml.a, 5);
        assert!(toml::from_str::<Outer>("value = 1\nstrict = [5]").is_err());
    }

    #[test]
    fn repeated_keys_are_refused() {
        #[derive(Debug, serde::Deserialize)]
        struct Lists {
            #[serde(deserialize_with = "unique_keys")]
            lists: BTreeMap<String, u32>,
        }
        let ok: Lists = serde_json::from_str(r#"{"lists": {"a": 1, "b": 2}}"#).unwrap();
        assert_eq!(ok.lists.len(), 2);
        let e =
            serde_json::from_str::<Lists>(r#"{"lists": {"a": 1, "b": 2, "a": 3}}"#).unwrap_err();
        assert_eq!(e.to_string(), "key `a` appears twice at line 1 column 30");
        assert!(serde_json::from_str::<Lists>(r#"{"lists": [["a", 1]]}"#).is_err());
    }
}
