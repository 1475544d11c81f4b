#![cfg(feature = "serde")]
//! Serde support: recorded spans and memory-logger entries serialize in the
//! shape of [`SpanData`](crate::SpanData), which also deserializes.
//!
//! Levels, level filters, status codes, [`Status`](crate::Status), ids and
//! [`OwnedValue`](crate::OwnedValue) derive their impls where they are
//! defined. Field lists serialize as JSON objects whose keys keep their
//! order.
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
