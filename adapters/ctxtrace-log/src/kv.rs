//! A `log` record's key-values as the ctxtrace [`Field`]s of a
//! [`LogBridge`](crate::LogBridge) entry.

use std::fmt;

use ctxtrace::{Field, Value};
use log::kv::{self, Key, Source, VisitSource, VisitValue};

use crate::OVERFLOW_KEY;
use crate::bridge::Keys;

/// How many key-values of one record are collected on the stack; a record
/// with more collects them in a `Vec`.
const INLINE: usize = 16;

/// Calls `f` with the key-values of `source` as fields: each key that
/// `keys` keeps as its own field, in order, then the others together under
/// [`OVERFLOW_KEY`]. Up to [`INLINE`] key-values, nothing is allocated.
pub(crate) fn with_fields<R>(
    keys: &Keys,
    source: &dyn Source,
    f: impl FnOnce(&[Field<'_>]) -> R,
) -> R {
    let mut collect = Collect {
        keys,
        slots: Slots::new(),
    };
    // A source that fails part-way still gives what it visited.
    let _ = source.visit(&mut collect);
    let slots = collect.slots.as_slice();
    let overflow = Overflow(slots);
    let overflowed = slots.iter().any(|s| s.key.is_err());
    let fields = slots
        .iter()
        .filter_map(|s| {
            s.key.as_ref().ok().map(|&key| Field {
                key,
                value: s.value.as_value(),
            })
        })
        .chain(overflowed.then_some(Field {
            key: OVERFLOW_KEY,
            value: Value::Display(&overflow),
        }));
    if slots.len() <= INLINE {
        let mut inline = [Field {
            key: "",
            value: Value::Null,
        }; INLINE + 1];
        let mut len = 0;
        for (place, field) in inline.iter_mut().zip(fields) {
            *place = field;
            len += 1;
        }
        f(&inline[..len])
    } else {
        f(&fields.collect::<Vec<_>>())
    }
}

/// One key-value of a record: its kept key, or `log`'s key past the bound,
/// and its value.
#[derive(Clone)]
struct Slot<'kvs> {
    key: Result<&'static str, Key<'kvs>>,
    value: Typed<'kvs>,
}

/// A `log` value with the type `log` gave it, where ctxtrace has that type.
#[derive(Clone)]
enum Typed<'kvs> {
    Str(&'kvs str),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Null,
    /// Anything else, written as `log` renders it.
    Other(kv::Value<'kvs>),
}

impl Typed<'_> {
    fn as_value(&self) -> Value<'_> {
        match self {
            Typed::Str(s) => Value::Str(s),
            Typed::I64(n) => Value::I64(*n),
            Typed::U64(n) => Value::U64(*n),
            Typed::I128(n) => Value::I128(n),
            Typed::U128(n) => Value::U128(n),
            Typed::F64(n) => Value::F64(*n),
            Typed::Bool(b) => Value::Bool(*b),
            Typed::Null => Value::Null,
            Typed::Other(v) => Value::Display(v),
        }
    }
}

/// What a value visitor found, when `log` told its type.
struct Classify<'kvs>(Option<Typed<'kvs>>);

impl<'kvs> VisitValue<'kvs> for &mut Classify<'kvs> {
    fn visit_any(&mut self, _: kv::Value<'_>) -> Result<(), kv::Error> {
        Ok(())
    }
    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = Some(Typed::Null);
        Ok(())
    }
    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.0 = Some(Typed::U64(value));
        Ok(())
    }
    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.0 = Some(Typed::I64(value));
        Ok(())
    }
    fn visit_u128(&mut self, value: u128) -> Result<(), kv::Error> {
        self.0 = Some(Typed::U128(value));
        Ok(())
    }
    fn visit_i128(&mut self, value: i128) -> Result<(), kv::Error> {
        self.0 = Some(Typed::I128(value));
        Ok(())
    }
    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        self.0 = Some(Typed::F64(value));
        Ok(())
    }
    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.0 = Some(Typed::Bool(value));
        Ok(())
    }
    /// A string borrowed for the call only (a `char`, or a value `log`
    /// renders on the fly): kept as `Other`, rendered by the backend.
    fn visit_str(&mut self, _: &str) -> Result<(), kv::Error> {
        Ok(())
    }
    fn visit_borrowed_str(&mut self, value: &'kvs str) -> Result<(), kv::Error> {
        self.0 = Some(Typed::Str(value));
        Ok(())
    }
}

/// The source visitor: each key-value into a [`Slot`].
struct Collect<'b, 'kvs> {
    keys: &'b Keys,
    slots: Slots<'kvs>,
}

impl<'kvs> VisitSource<'kvs> for Collect<'_, 'kvs> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        let mut classify = Classify(None);
        value.visit(&mut classify)?;
        let value = classify.0.unwrap_or(Typed::Other(value));
        let key = self.keys.intern(key.as_str()).ok_or(key);
        self.slots.push(Slot { key, value });
        Ok(())
    }
}

/// A record's key-values: the first [`INLINE`] on the stack, all of them in
/// a `Vec` when there are more.
struct Slots<'kvs> {
    inline: [Slot<'kvs>; INLINE],
    len: usize,
    spilled: Vec<Slot<'kvs>>,
}

impl<'kvs> Slots<'kvs> {
    fn new() -> Self {
        const EMPTY: Slot<'static> = Slot {
            key: Ok(""),
            value: Typed::Null,
        };
        Slots {
            inline: [EMPTY; INLINE],
            len: 0,
            spilled: Vec::new(),
        }
    }

    fn push(&mut self, slot: Slot<'kvs>) {
        if self.len < INLINE {
            self.inline[self.len] = slot;
            self.len += 1;
        } else {
            if self.spilled.is_empty() {
                self.spilled.reserve(2 * INLINE);
                self.spilled.extend(self.inline.iter().cloned());
            }
            self.spilled.push(slot);
        }
    }

    fn as_slice(&self) -> &[Slot<'kvs>] {
        if self.spilled.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spilled
        }
    }
}

/// The key-values past the bound, written as `key=value` pairs separated by
/// spaces, string values quoted.
struct Overflow<'a, 'kvs>(&'a [Slot<'kvs>]);

impl fmt::Display for Overflow<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for slot in self.0 {
            let Err(key) = &slot.key else { continue };
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{key}=")?;
            match &slot.value {
                Typed::Str(s) => quoted(f, s)?,
                Typed::Other(v) => quoted(f, v)?,
                other => write!(f, "{}", other.as_value())?,
            }
        }
        Ok(())
    }
}

/// Writes `value` in double quotes, escaped as `str`'s `Debug` escapes, without
/// rendering it into a `String` first.
fn quoted(f: &mut fmt::Formatter<'_>, value: &dyn fmt::Display) -> fmt::Result {
    struct Escape<'a, 'b>(&'a mut fmt::Formatter<'b>);

    impl fmt::Write for Escape<'_, '_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                match c {
                    '\'' => self.0.write_char(c)?,
                    _ => write!(self.0, "{}", c.escape_debug())?,
                }
            }
            Ok(())
        }
    }

    f.write_str("\"")?;
    fmt::write(&mut Escape(f), format_args!("{value}"))?;
    f.write_str("\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overflow_text_quotes_strings_as_debug_does() {
        struct Text;
        impl fmt::Display for Text {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("it's \"x\"\n\\")
            }
        }
        let text = Text;
        let slots = [
            Slot {
                key: Err(Key::from_str("s")),
                value: Typed::Str("a \"b\"\t'c'"),
            },
            Slot {
                key: Ok("kept"),
                value: Typed::Bool(true),
            },
            Slot {
                key: Err(Key::from_str("d")),
                value: Typed::Other(kv::Value::from_display(&text)),
            },
            Slot {
                key: Err(Key::from_str("n")),
                value: Typed::I64(-1),
            },
        ];
        let expected = format!("s={:?} d={:?} n=-1", "a \"b\"\t'c'", "it's \"x\"\n\\");
        assert_eq!(Overflow(&slots).to_string(), expected);
    }

    #[test]
    fn more_key_values_than_fit_inline_spill_in_order() {
        let mut slots = Slots::new();
        for n in 0..INLINE as u64 + 3 {
            slots.push(Slot {
                key: Ok("n"),
                value: Typed::U64(n),
            });
        }
        let values: Vec<u64> = slots
            .as_slice()
            .iter()
            .map(|s| match s.value {
                Typed::U64(n) => n,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(values, (0..INLINE as u64 + 3).collect::<Vec<_>>());
    }
}
