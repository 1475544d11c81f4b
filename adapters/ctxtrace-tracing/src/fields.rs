//! The fields of an entry: as typed `tracing` values, one per key
//! ([`Shape`], [`Typed`]), or rendered as one logfmt-style text value:
//! `pod=web-1 attempt=2` ([`Rendered`], [`Pair`]).

use std::error::Error;
use std::fmt::{self, Write as _};

use ctxtrace::{Field, OwnedValue, Value};
use tracing_core::field::{DisplayValue, Value as TracingValue, display};

/// The most keys an event has as fields of their own; an entry with more
/// has them in one `fields` text.
pub(crate) const MAX_KEYS: usize = 28;

/// Fields kept by a logger or a span: each key once, with its latest value.
pub(crate) type FieldList = Vec<(&'static str, OwnedValue)>;

/// Sets `key` in `list`: a key set again replaces its value, in its place,
/// and a `None` takes the key out.
pub(crate) fn set(list: &mut FieldList, key: &'static str, value: Value<'_>) {
    let old = list.iter().position(|(k, _)| *k == key);
    match (value, old) {
        (Value::Null, Some(old)) => {
            list.remove(old);
        }
        (Value::Null, None) => {}
        (value, Some(old)) => list[old].1 = OwnedValue::from(value),
        (value, None) => list.push((key, OwnedValue::from(value))),
    }
}

/// The fields of a `Ctx` (or a span), then an entry's own, rendered when
/// displayed: a `Ctx` field that the entry gives itself is left out, and of
/// a key the entry gives twice only the last is written, so no key is
/// written twice.
///
/// Nothing is formatted until a subscriber formats the value, and then
/// straight into its writer, except `Display` values and errors, which are
/// rendered once to decide whether they need quotes.
pub(crate) struct Rendered<'a> {
    pub(crate) ctx: &'a [(&'static str, OwnedValue)],
    pub(crate) fields: &'a [Field<'a>],
}

impl Rendered<'_> {
    pub(crate) fn is_empty(&self) -> bool {
        self.ctx.iter().all(|(_, v)| matches!(v, OwnedValue::Null))
            && self.fields.iter().all(|f| matches!(f.value, Value::Null))
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let own = |key: &str| self.fields.iter().any(|field| field.key == key);
        let ctx = self
            .ctx
            .iter()
            .filter(|(key, _)| !own(key))
            .map(|(key, value)| (*key, value.as_value()));
        let fields = self.fields;
        let entry = fields
            .iter()
            .enumerate()
            .filter(|&(i, field)| !fields[i + 1..].iter().any(|later| later.key == field.key))
            .map(|(_, field)| (field.key, field.value));
        // A `None` is left out, but still hides a `Ctx` field of its key.
        let written = ctx.chain(entry).filter(|(_, v)| !matches!(v, Value::Null));
        for (i, (key, value)) in written.enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write_pair(f, key, value)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The keys and values of an entry, each key once, in the order they are
/// written: the `Ctx`'s fields (span fields included) that the entry does
/// not give itself, then the entry's own, where the last of a key given
/// twice wins. A `None` is left out, but an entry's `None` still hides the
/// `Ctx` field of its key. The same rules as [`Rendered`]'s.
pub(crate) struct Shape<'a> {
    keys: [&'static str; MAX_KEYS],
    values: [Value<'a>; MAX_KEYS],
    len: usize,
    /// Whether there were more than [`MAX_KEYS`] keys.
    overflow: bool,
}

impl<'a> Shape<'a> {
    pub(crate) fn new(ctx: &'a [(&'static str, OwnedValue)], fields: &'a [Field<'a>]) -> Self {
        let mut shape = Shape {
            keys: [""; MAX_KEYS],
            values: [Value::Null; MAX_KEYS],
            len: 0,
            overflow: false,
        };
        let own = |key: &str| fields.iter().any(|field| field.key == key);
        for (key, value) in ctx {
            if !own(key) {
                shape.push(key, value.as_value());
            }
        }
        for (i, field) in fields.iter().enumerate() {
            if !fields[i + 1..].iter().any(|later| later.key == field.key) {
                shape.push(field.key, field.value);
            }
        }
        shape
    }

    fn push(&mut self, key: &'static str, value: Value<'a>) {
        if matches!(value, Value::Null) {
            return;
        }
        if self.len == MAX_KEYS {
            self.overflow = true;
            return;
        }
        self.keys[self.len] = key;
        self.values[self.len] = value;
        self.len += 1;
    }

    /// The keys, or `None` when there are more than [`MAX_KEYS`].
    pub(crate) fn keys(&self) -> Option<&[&'static str]> {
        (!self.overflow).then_some(&self.keys[..self.len])
    }

    /// The value of each of [`keys`](Shape::keys), in the same order.
    pub(crate) fn values(&self) -> &[Value<'a>] {
        &self.values[..self.len]
    }
}

/// A ctxtrace value as the `tracing` value that keeps the most of its
/// type: integers, floats, booleans and strings as themselves (subscribers
/// see `record_i64`, `record_u64`, `record_i128`, `record_u128`,
/// `record_f64`, `record_bool`, `record_str`), errors as errors
/// (`record_error`), and every other kind as its text (`record_debug` of a
/// value whose `Debug` is the ctxtrace text: `Display` values through
/// `Display`, `Debug` values through `Debug`, durations as `1.5s`, paths
/// lossily), formatted only when the subscriber records it.
pub(crate) enum Typed<'a> {
    Str(&'a str),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Error(&'a (dyn Error + 'static)),
    Text(DisplayValue<Value<'a>>),
}

impl<'a> Typed<'a> {
    pub(crate) fn new(value: Value<'a>) -> Self {
        match value {
            Value::Str(s) => Typed::Str(s),
            Value::I64(n) => Typed::I64(n),
            Value::U64(n) => Typed::U64(n),
            Value::I128(n) => Typed::I128(*n),
            Value::U128(n) => Typed::U128(*n),
            Value::F64(n) => Typed::F64(n),
            Value::Bool(b) => Typed::Bool(b),
            Value::Error(e) => Typed::Error(e),
            other => Typed::Text(display(other)),
        }
    }

    pub(crate) fn as_value(&self) -> &dyn TracingValue {
        match self {
            Typed::Str(s) => s,
            Typed::I64(n) => n,
            Typed::U64(n) => n,
            Typed::I128(n) => n,
            Typed::U128(n) => n,
            Typed::F64(n) => n,
            Typed::Bool(b) => b,
            Typed::Error(e) => e,
            Typed::Text(t) => t,
        }
    }
}

/// One `key=value` pair, rendered logfmt-style when displayed.
#[derive(Clone, Copy)]
pub(crate) struct Pair<'a> {
    pub(crate) key: &'static str,
    pub(crate) value: Value<'a>,
}

impl fmt::Display for Pair<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_pair(f, self.key, self.value)
    }
}

fn write_pair(out: &mut impl fmt::Write, key: &str, value: Value<'_>) -> fmt::Result {
    write_text(out, key)?;
    out.write_char('=')?;
    match value {
        Value::Str(s) => write_text(out, s),
        Value::I64(n) => write!(out, "{n}"),
        Value::U64(n) => write!(out, "{n}"),
        Value::I128(n) => write!(out, "{n}"),
        Value::U128(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        // As ctxtrace's `TextLogger` writes them: `0.5`, `1e-7`, `NaN`;
        // `1.5s`, `250ms`.
        Value::F64(n) => write!(out, "{n:?}"),
        Value::Duration(d) => write!(out, "{d:?}"),
        // `Display` and `Debug` values, errors, paths, and any kind added
        // later: their text, quoted where needed.
        other => write_text(out, &other.to_string()),
    }
}

/// Writes `s` bare when it is a plain token, else quoted with `"` and `\`
/// escaped, and control characters as `\n`, `\t` or `\u{..}`.
fn write_text(out: &mut impl fmt::Write, s: &str) -> fmt::Result {
    if !needs_quotes(s) {
        return out.write_str(s);
    }
    out.write_char('"')?;
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c == '"' || c == '\\' || c.is_control()) {
        out.write_str(&rest[..i])?;
        let c = rest[i..].chars().next().unwrap_or_default();
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c => write!(out, "\\u{{{:x}}}", c as u32)?,
        }
        rest = &rest[i + c.len_utf8()..];
    }
    out.write_str(rest)?;
    out.write_char('"')
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.chars()
            .any(|c| c == ' ' || c == '=' || c == '"' || c == '\\' || c.is_control())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn render(fields: &[Field<'_>]) -> String {
        Rendered { ctx: &[], fields }.to_string()
    }

    #[test]
    fn plain_values_are_bare() {
        let quarter = Duration::from_millis(250);
        let fields = [
            Field::new("pod", "web-1"),
            Field::new("n", &-3i32),
            Field::new("u", &7u8),
            Field::new("ok", &true),
            Field::new("f", &0.5f64),
            Field::new("g", &1e-7f64),
            Field::new("big", &u128::MAX),
            Field::new("small", &i128::MIN),
            Field::new("d", &quarter),
        ];
        assert_eq!(
            render(&fields),
            format!(
                "pod=web-1 n=-3 u=7 ok=true f=0.5 g=1e-7 big={} small={} d=250ms",
                u128::MAX,
                i128::MIN
            )
        );
    }

    #[test]
    fn none_is_left_out() {
        let fields = [
            Field::new("a", &None::<u8>),
            Field::new("b", &Some(1u8)),
            Field::new("c", &None::<u8>),
        ];
        assert_eq!(render(&fields), "b=1");
        assert!(
            Rendered {
                ctx: &[],
                fields: &fields[..1]
            }
            .is_empty()
        );
        // On a span or a logger, a `None` takes its key out.
        let mut list = FieldList::new();
        set(&mut list, "a", Value::U64(0));
        set(&mut list, "b", Value::U64(1));
        set(&mut list, "a", Value::Null);
        set(&mut list, "c", Value::Null);
        let rendered = Rendered {
            ctx: &list,
            fields: &[],
        };
        assert_eq!(rendered.to_string(), "b=1");
        // An entry's `None` hides the `Ctx` field of its key.
        let hide = [Field::new("b", &None::<u8>)];
        let rendered = Rendered {
            ctx: &list,
            fields: &hide,
        };
        assert_eq!(rendered.to_string(), "");
    }

    #[test]
    fn text_with_spaces_quotes_or_controls_is_quoted_and_escaped() {
        assert_eq!(
            render(&[Field::new("m", "image not found")]),
            r#"m="image not found""#
        );
        assert_eq!(
            render(&[Field::new("m", r#"say "hi"\"#)]),
            r#"m="say \"hi\"\\""#
        );
        assert_eq!(
            render(&[Field::new("m", "a\nb\t\u{1}")]),
            r#"m="a\nb\t\u{1}""#
        );
        assert_eq!(render(&[Field::new("m", "a=b")]), r#"m="a=b""#);
        assert_eq!(render(&[Field::new("m", "")]), r#"m="""#);
        assert_eq!(render(&[Field::new("m", "héllo")]), "m=héllo");
    }

    #[test]
    fn display_values_errors_and_non_finite_floats_are_text() {
        let err = std::io::Error::other("disk full");
        let err = ctxtrace::error(&err);
        let dbg = ctxtrace::debug(&"a");
        let fields = [
            Field::new("e", &err),
            Field::new("c", &'x'),
            Field::new("nan", &f64::NAN),
            Field::new("inf", &f64::NEG_INFINITY),
            Field::new("dbg", &dbg),
        ];
        assert_eq!(
            render(&fields),
            r#"e="disk full" c=x nan=NaN inf=-inf dbg="\"a\"""#
        );
    }

    #[test]
    fn a_shape_keeps_the_keys_as_the_text_writes_them() {
        let mut ctx = FieldList::new();
        set(&mut ctx, "reason", Value::Str("back off"));
        set(&mut ctx, "attempt", Value::U64(1));
        set(&mut ctx, "pod", Value::Str("web-0"));
        let fields = [
            Field::new("attempt", &2u32),
            Field::new("pod", &None::<&str>),
            Field::new("node", "n1"),
            Field::new("node", "n2"),
        ];
        let shape = Shape::new(&ctx, &fields);
        assert_eq!(shape.keys(), Some(&["reason", "attempt", "node"][..]));
        let values: Vec<String> = shape.values().iter().map(ToString::to_string).collect();
        assert_eq!(values, ["back off", "2", "n2"]);
        let rendered = Rendered {
            ctx: &ctx,
            fields: &fields,
        };
        assert_eq!(
            rendered.to_string(),
            r#"reason="back off" attempt=2 node=n2"#
        );
    }

    #[test]
    fn a_shape_with_too_many_keys_has_none() {
        let keys: Vec<&'static str> = (0..=MAX_KEYS)
            .map(|i| &*Box::leak(i.to_string().into_boxed_str()))
            .collect();
        let fields: Vec<Field<'_>> = keys.iter().map(|k| Field::new(k, &1)).collect();
        assert_eq!(
            Shape::new(&[], &fields[..MAX_KEYS]).keys().map(<[_]>::len),
            Some(MAX_KEYS)
        );
        assert_eq!(Shape::new(&[], &fields).keys(), None);
    }

    #[test]
    fn ctx_fields_come_first_and_no_key_is_written_twice() {
        let mut ctx = FieldList::new();
        set(&mut ctx, "reason", Value::Str("back off"));
        set(&mut ctx, "attempt", Value::U64(1));
        set(&mut ctx, "reason", Value::Str("image pull"));
        let fields = [
            Field::new("attempt", &2u32),
            Field::new("pod", "web-1"),
            Field::new("pod", "web-2"),
        ];
        let rendered = Rendered {
            ctx: &ctx,
            fields: &fields,
        };
        assert_eq!(
            rendered.to_string(),
            r#"reason="image pull" attempt=2 pod=web-2"#
        );
        assert!(!rendered.is_empty());
        assert!(
            Rendered {
                ctx: &[],
                fields: &[]
            }
            .is_empty()
        );
    }
}
