#![cfg(feature = "serde")]
//! Serde support: recorded spans and memory-logger entries serialize in the
//! shape of [`SpanData`](crate::SpanData), which also deserializes.
//!
//! Status codes, [`Status`](crate::Status), ids and
//! [`OwnedValue`](crate::OwnedValue) derive their impls where they are
//! defined; [`Level`](crate::Level) and [`LevelFilter`](crate::LevelFilter)
//! derive `Serialize` (the lower-case name) and deserialize here from any
//! name their `FromStr` takes (`"INFO"`, `"Info"`, `"warning"`). Field lists
//! serialize as JSON objects whose keys keep their order. A non-finite
//! float is `{"f64":"NaN"}`, `{"f64":"inf"}` or `{"f64":"-inf"}`.
//!
//! ```
//! use ctxtrace::{Ctx, MemoryTracer, NopLogger, SpanData, Span};
//!
//! let tracer = MemoryTracer::new();
//! let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
//! let ctx = span.with_field(&ctx, "pod", "web-1");
//! ctxtrace::info!(ctx, "synced"; containers = 2);
//! drop(span);
//!
//! let spans = tracer.spans();
//! let json = serde_json::to_string(&spans).unwrap();
//! assert!(json.contains(r#""attributes":{"pod":"web-1"}"#));
//! let back: Vec<SpanData> = serde_json::from_str(&json).unwrap();
//! assert_eq!(back, spans.iter().map(|s| s.to_data()).collect::<Vec<_>>());
//! ```

#[cfg(feature = "std")]
mod memory {
    use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};

    use crate::{Entry, Event, SpanRecord, Spans};

    impl Serialize for SpanRecord {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.to_data().serialize(serializer)
        }
    }

    impl Serialize for Event<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            self.to_data().serialize(serializer)
        }
    }

    impl Serialize for Spans {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(self.len()))?;
            for span in self {
                seq.serialize_element(span)?;
            }
            seq.end()
        }
    }

    impl Serialize for Entry {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let (file, line) = self.location();
            let mut entry = serializer.serialize_struct("Entry", 8)?;
            entry.serialize_field("level", &self.level())?;
            entry.serialize_field("target", self.target())?;
            entry.serialize_field("message", self.message())?;
            entry.serialize_field("file", file)?;
            entry.serialize_field("line", &line)?;
            entry.serialize_field("method", &self.method())?;
            entry.serialize_field("span_ids", &self.span_ids())?;
            entry.serialize_field(
                "fields",
                &super::fields::Ordered(self.fields.iter().map(|(k, v)| (k, v))),
            )?;
            entry.end()
        }
    }
}

/// Field lists as JSON objects that keep their order (and any repeated key).
#[cfg(feature = "std")]
pub(crate) mod fields {
    use std::fmt;

    use serde::de::{Deserializer, MapAccess, Visitor};
    use serde::ser::{Serialize, SerializeMap, Serializer};

    use crate::OwnedValue;

    /// Serializes `(key, value)` pairs as a map, in order. The iterator is
    /// consumed once, on serialization.
    pub(crate) struct Ordered<I>(pub(crate) I);

    impl<'a, K, I> Serialize for Ordered<I>
    where
        K: AsRef<str>,
        I: Iterator<Item = (K, &'a OwnedValue)> + Clone,
    {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(None)?;
            for (key, value) in self.0.clone() {
                map.serialize_entry(key.as_ref(), value)?;
            }
            map.end()
        }
    }

    pub(crate) fn serialize<S: Serializer>(
        fields: &[(String, OwnedValue)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Ordered(fields.iter().map(|(k, v)| (k, v))).serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<(String, OwnedValue)>, D::Error> {
        struct Pairs;
        impl<'de> Visitor<'de> for Pairs {
            type Value = Vec<(String, OwnedValue)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of field names to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(1024));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(pairs)
            }
        }
        deserializer.deserialize_map(Pairs)
    }
}

/// `Deserialize` for levels and level filters: any name their `FromStr`
/// takes, in any case, or the variant index of a format that writes one.
mod level {
    use core::fmt;
    use core::marker::PhantomData;
    use core::str::FromStr;

    use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, VariantAccess};

    use crate::{Level, LevelFilter};

    /// What the two types share: their names, in variant order.
    trait Named: FromStr + Copy {
        const TYPE: &'static str;
        const NAMES: &'static [&'static str];
        fn from_index(index: u64) -> Option<Self>;
    }

    impl Named for Level {
        const TYPE: &'static str = "Level";
        const NAMES: &'static [&'static str] = &["error", "warn", "info", "debug", "trace"];
        fn from_index(index: u64) -> Option<Self> {
            Level::ALL.get(usize::try_from(index).ok()?).copied()
        }
    }

    impl Named for LevelFilter {
        const TYPE: &'static str = "LevelFilter";
        const NAMES: &'static [&'static str] = &["off", "error", "warn", "info", "debug", "trace"];
        fn from_index(index: u64) -> Option<Self> {
            const ALL: [LevelFilter; 6] = [
                LevelFilter::Off,
                LevelFilter::Error,
                LevelFilter::Warn,
                LevelFilter::Info,
                LevelFilter::Debug,
                LevelFilter::Trace,
            ];
            ALL.get(usize::try_from(index).ok()?).copied()
        }
    }

    /// The variant: a name or an index.
    struct Variant<T>(PhantomData<T>);

    impl<'de, T: Named> de::Visitor<'de> for Variant<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a level name such as \"info\" or \"INFO\"")
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<T, E> {
            name.parse().map_err(|_| E::unknown_variant(name, T::NAMES))
        }

        fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<T, E> {
            match core::str::from_utf8(name) {
                Ok(name) => self.visit_str(name),
                Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(name), &self)),
            }
        }

        fn visit_u64<E: de::Error>(self, index: u64) -> Result<T, E> {
            T::from_index(index)
                .ok_or_else(|| E::invalid_value(de::Unexpected::Unsigned(index), &self))
        }
    }

    impl<'de, T: Named> DeserializeSeed<'de> for Variant<T> {
        type Value = T;

        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
            deserializer.deserialize_identifier(self)
        }
    }

    /// The whole value: a unit variant, or a bare name from a format that
    /// gives one.
    struct Whole<T>(PhantomData<T>);

    impl<'de, T: Named> de::Visitor<'de> for Whole<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a level name such as \"info\" or \"INFO\"")
        }

        fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<T, A::Error> {
            let (value, variant) = data.variant_seed(Variant(PhantomData))?;
            variant.unit_variant()?;
            Ok(value)
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<T, E> {
            de::Visitor::visit_str(Variant(PhantomData), name)
        }
    }

    fn deserialize<'de, T: Named, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_enum(T::TYPE, T::NAMES, Whole(PhantomData))
    }

    impl<'de> Deserialize<'de> for Level {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    impl<'de> Deserialize<'de> for LevelFilter {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }
}

/// [`OwnedValue::F64`](crate::OwnedValue::F64): a number when finite, else
/// `{"f64":"NaN"}`, `{"f64":"inf"}` or `{"f64":"-inf"}`, a form no other
/// value takes, so a NaN reads back as a NaN and the string `"NaN"` as a
/// string.
#[cfg(feature = "std")]
pub(crate) mod float {
    use std::fmt;

    use serde::de::{self, Deserializer, MapAccess, Visitor};
    use serde::ser::{SerializeMap, Serializer};

    /// The one key of the tagged form.
    const KEY: &str = "f64";

    pub(crate) fn serialize<S: Serializer>(n: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if n.is_finite() {
            return serializer.serialize_f64(*n);
        }
        let name = if n.is_nan() {
            "NaN"
        } else if *n > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(KEY, name)?;
        map.end()
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        deserializer.deserialize_any(Float)
    }

    struct Float;

    impl<'de> Visitor<'de> for Float {
        type Value = f64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(r#"a number, or {"f64":"NaN"}, {"f64":"inf"} or {"f64":"-inf"}"#)
        }

        fn visit_f64<E: de::Error>(self, n: f64) -> Result<f64, E> {
            Ok(n)
        }

        fn visit_i64<E: de::Error>(self, n: i64) -> Result<f64, E> {
            Ok(n as f64)
        }

        fn visit_u64<E: de::Error>(self, n: u64) -> Result<f64, E> {
            Ok(n as f64)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<f64, A::Error> {
            let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                return Err(de::Error::invalid_length(0, &self));
            };
            if key != KEY {
                return Err(de::Error::unknown_field(&key, &[KEY]));
            }
            let text = map.next_value::<std::borrow::Cow<'de, str>>()?;
            let n = match &*text {
                "NaN" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                other => {
                    return Err(de::Error::invalid_value(de::Unexpected::Str(other), &self));
                }
            };
            if map.next_key::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::invalid_length(2, &self));
            }
            Ok(n)
        }
    }
}
