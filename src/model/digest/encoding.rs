//! The digest encoding: any `Serialize` value written straight into a SHA-256 in a compact,
//! unambiguous binary form, for [`Digest128::of_value`](super::Digest128::of_value).
//!
//! Why serde: the digest follows the value's own `Serialize` impl, so a field added to a type
//! later is covered without anyone listing it. Why not JSON: formatting and escaping the text
//! cost as much as hashing it, for text nobody reads (a context build took twice as long).
//!
//! The form is prefix-free, so two values of one type never encode alike: every value starts
//! with a tag byte naming its kind; numbers follow in fixed width (big-endian, floats as their
//! bits, `-0.0` as `0.0` since the two are equal), strings and bytes after their length,
//! variants after their index, struct fields after their name, and sequences, tuples, maps
//! and structs end with an `END` byte no element starts with. Fields go by name rather than by
//! position: a hand-written `Serialize` may leave a field out without saying so, and two
//! values would then write the same positions. Types
//! with a binary serde form use it (an IP address as its octets). The encoder allocates
//! nothing (a value's own impl may: `time`'s RFC 3339 functions return a `String`). Profiles
//! store login digests (their recent logins'), so the form is versioned by the profile's
//! format: changing it (a tag, an order, what a type writes) changes every login's digest and
//! must bump `PROFILE_FORMAT_VERSION`; the unit test
//! `value_digests_are_the_tagged_encoding` pins the bytes.

use std::fmt;

use serde::ser::{self, Serialize};
use sha2::{Digest as _, Sha256};

// Tags: the first byte of every value, and the markers inside compound values.
const END: u8 = 0;
const FIELD: u8 = 1;
const FALSE: u8 = 2;
const TRUE: u8 = 3;
const I8: u8 = 4;
const I16: u8 = 5;
const I32: u8 = 6;
const I64: u8 = 7;
const I128: u8 = 8;
const U8: u8 = 9;
const U16: u8 = 10;
const U32: u8 = 11;
const U64: u8 = 12;
const U128: u8 = 13;
const F32: u8 = 14;
const F64: u8 = 15;
const CHAR: u8 = 16;
const STR: u8 = 17;
const BYTES: u8 = 18;
const NONE: u8 = 19;
const SOME: u8 = 20;
const UNIT: u8 = 21;
const UNIT_STRUCT: u8 = 22;
const UNIT_VARIANT: u8 = 23;
const NEWTYPE_STRUCT: u8 = 24;
const NEWTYPE_VARIANT: u8 = 25;
const SEQ: u8 = 26;
const TUPLE: u8 = 27;
const TUPLE_STRUCT: u8 = 28;
const TUPLE_VARIANT: u8 = 29;
const MAP: u8 = 30;
const STRUCT: u8 = 31;
const STRUCT_VARIANT: u8 = 32;

/// Write the encoding of `value` into `hasher`. `Err` only when the value's own `Serialize`
/// impl fails (the encoder itself cannot); the hasher has then read part of the value.
pub(super) fn encode<T: Serialize + ?Sized>(
    value: &T,
    hasher: &mut Sha256,
) -> Result<(), EncodeError> {
    value.serialize(&mut Encoder { hasher })
}

/// A `Serialize` impl reported an error (its message is dropped: keeping it would allocate).
#[derive(Debug)]
pub(super) struct EncodeError;

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the value could not be serialized")
    }
}

impl std::error::Error for EncodeError {}

impl ser::Error for EncodeError {
    fn custom<M: fmt::Display>(_: M) -> Self {
        EncodeError
    }
}

/// Writes every piece straight into the hasher, which buffers its input itself (gathering the
/// pieces in a stack buffer first saved nothing measurable).
struct Encoder<'h> {
    hasher: &'h mut Sha256,
}

impl Encoder<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    #[inline]
    fn tag(&mut self, tag: u8) {
        self.put(&[tag]);
    }

    /// A length or an index, LEB128 (prefix-free: the last byte has its high bit clear).
    #[inline]
    fn varint(&mut self, mut n: u64) {
        // Most are lengths of short texts: one byte, without the loop.
        if let Ok(small @ 0..0x80) = u8::try_from(n) {
            return self.put(&[small]);
        }
        let mut out = [0u8; 10];
        let mut used = 0;
        for byte in out.iter_mut() {
            used += 1;
            // The low seven bits: the cast keeps exactly them.
            *byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                break;
            }
            *byte |= 0x80;
        }
        self.put(out.get(..used).unwrap_or(&out));
    }

    #[inline]
    fn text(&mut self, tag: u8, bytes: &[u8]) {
        self.tag(tag);
        self.varint(bytes.len() as u64);
        self.put(bytes);
    }

    fn variant(&mut self, tag: u8, index: u32) {
        self.tag(tag);
        self.varint(u64::from(index));
    }
}

/// Counts the bytes a `Display` writes (the length prefix of `collect_str`).
struct Count(u64);

impl fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len() as u64);
        Ok(())
    }
}

/// Writes a `Display`'s text into the hash, at most `left` bytes of it.
struct Bounded<'e, 'h> {
    encoder: &'e mut Encoder<'h>,
    left: u64,
}

impl fmt::Write for Bounded<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.left = self.left.checked_sub(s.len() as u64).ok_or(fmt::Error)?;
        self.encoder.put(s.as_bytes());
        Ok(())
    }
}

/// Numbers (and chars): the tag, then the number's big-endian bytes.
macro_rules! numbers {
    ($($method:ident($v:ident: $ty:ty) = $tag:expr => $number:expr,)*) => {$(
        fn $method(self, $v: $ty) -> Result<(), EncodeError> {
            self.tag($tag);
            self.put(&$number.to_be_bytes());
            Ok(())
        }
    )*};
}

impl<'a, 'h> ser::Serializer for &'a mut Encoder<'h> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    // Binary forms where a type has one (an IP address as its octets, not as text).
    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.tag(if v { TRUE } else { FALSE });
        Ok(())
    }

    numbers! {
        serialize_i8(v: i8) = I8 => v,
        serialize_i16(v: i16) = I16 => v,
        serialize_i32(v: i32) = I32 => v,
        serialize_i64(v: i64) = I64 => v,
        serialize_i128(v: i128) = I128 => v,
        serialize_u8(v: u8) = U8 => v,
        serialize_u16(v: u16) = U16 => v,
        serialize_u32(v: u32) = U32 => v,
        serialize_u64(v: u64) = U64 => v,
        serialize_u128(v: u128) = U128 => v,
        // `+ 0.0` turns `-0.0` into `0.0` (equal values, equal digests), leaves the rest as is.
        serialize_f32(v: f32) = F32 => (v + 0.0).to_bits(),
        serialize_f64(v: f64) = F64 => (v + 0.0).to_bits(),
        serialize_char(v: char) = CHAR => u32::from(v),
    }

    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        self.text(STR, v.as_bytes());
        Ok(())
    }

    // Written as `serialize_str` would write the text, in two passes (its length, then the
    // text) rather than into a `String`. A `Display` that writes another length the second
    // time would forge what follows: refused (the digest then hashes the `Debug` form).
    fn collect_str<T: fmt::Display + ?Sized>(self, v: &T) -> Result<(), EncodeError> {
        let mut count = Count(0);
        fmt::Write::write_fmt(&mut count, format_args!("{v}")).map_err(|_| EncodeError)?;
        self.tag(STR);
        self.varint(count.0);
        let mut text = Bounded {
            encoder: self,
            left: count.0,
        };
        fmt::Write::write_fmt(&mut text, format_args!("{v}")).map_err(|_| EncodeError)?;
        if text.left == 0 {
            Ok(())
        } else {
            Err(EncodeError)
        }
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), EncodeError> {
        self.text(BYTES, v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), EncodeError> {
        self.tag(NONE);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), EncodeError> {
        self.tag(SOME);
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), EncodeError> {
        self.tag(UNIT);
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), EncodeError> {
        self.tag(UNIT_STRUCT);
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.variant(UNIT_VARIANT, index);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.tag(NEWTYPE_STRUCT);
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        value: &T,
    ) -> Result<(), EncodeError> {
        self.variant(NEWTYPE_VARIANT, index);
        value.serialize(self)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, EncodeError> {
        self.tag(SEQ);
        Ok(self)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self, EncodeError> {
        self.tag(TUPLE);
        Ok(self)
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, EncodeError> {
        self.tag(TUPLE_STRUCT);
        Ok(self)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, EncodeError> {
        self.variant(TUPLE_VARIANT, index);
        Ok(self)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self, EncodeError> {
        self.tag(MAP);
        Ok(self)
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, EncodeError> {
        self.tag(STRUCT);
        Ok(self)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self, EncodeError> {
        self.variant(STRUCT_VARIANT, index);
        Ok(self)
    }
}

/// Elements of sequences and tuples of every kind: each value in turn, then `END`.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Encoder<'_> {
            type Ok = ();
            type Error = EncodeError;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
                value.serialize(&mut **self)
            }

            fn end(self) -> Result<(), EncodeError> {
                self.tag(END);
                Ok(())
            }
        }
    )*};
}
elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Struct fields: `FIELD`, the field's name (length-prefixed), its value; then `END`. A field
/// left out (`skip_serializing_if`, or a hand-written impl) writes nothing, and the names of
/// those present tell which they are.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for &mut Encoder<'_> {
            type Ok = ();
            type Error = EncodeError;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), EncodeError> {
                self.text(FIELD, key.as_bytes());
                value.serialize(&mut **self)
            }

            fn end(self) -> Result<(), EncodeError> {
                self.tag(END);
                Ok(())
            }
        }
    )*};
}
fields!(SerializeStruct, SerializeStructVariant);

/// Map entries: key, value, …, then `END` (keys are values: they start with a value's tag).
impl ser::SerializeMap for &mut Encoder<'_> {
    type Ok = ();
    type Error = EncodeError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), EncodeError> {
        key.serialize(&mut **self)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), EncodeError> {
        value.serialize(&mut **self)
    }

    fn end(self) -> Result<(), EncodeError> {
        self.tag(END);
        Ok(())
    }
}
