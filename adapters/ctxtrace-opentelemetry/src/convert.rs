//! How ctxtrace values, levels and statuses become OpenTelemetry ones.

use std::borrow::Cow;
use std::fmt;

use ctxtrace::{Logger, Record, StatusCode, Value};
use opentelemetry::{Key, KeyValue, StringValue};

/// The event attribute that carries the entry's level.
pub(crate) const LEVEL_KEY: Key = Key::from_static_str("level");

/// The attribute of the `exception` event, as the semantic conventions name it.
pub(crate) const EXCEPTION_MESSAGE_KEY: Key = Key::from_static_str("exception.message");

/// The name of the event that records an error, as the semantic conventions
/// name it.
pub(crate) const EXCEPTION_EVENT: &str = "exception";

/// A field as a typed attribute: strings, `i64`, `f64` and `bool` keep their
/// type; an unsigned or 128-bit integer that fits in `i64` becomes an `i64`
/// and a larger one its decimal string; a duration is an `f64` of seconds;
/// `Display` and `Debug` values, errors and paths become their text. `None`
/// has no OpenTelemetry value, so it gives no attribute.
pub(crate) fn key_value(key: &'static str, value: Value<'_>) -> Option<KeyValue> {
    otel_value(value).map(|v| KeyValue::new(Key::from_static_str(key), v))
}

fn otel_value(value: Value<'_>) -> Option<opentelemetry::Value> {
    use opentelemetry::Value as V;
    fn int<N: TryInto<i64> + ToString + Copy>(n: N) -> opentelemetry::Value {
        match n.try_into() {
            Ok(n) => V::I64(n),
            Err(_) => V::String(StringValue::from(n.to_string())),
        }
    }
    Some(match value {
        Value::Str(s) => V::String(StringValue::from(s.to_owned())),
        Value::I64(n) => V::I64(n),
        Value::U64(n) => int(n),
        Value::I128(&n) => int(n),
        Value::U128(&n) => int(n),
        Value::F64(n) => V::F64(n),
        Value::Bool(b) => V::Bool(b),
        Value::Duration(d) => V::F64(d.as_secs_f64()),
        Value::Null => return None,
        // `Display` and `Debug` values, errors, paths, and any kind added
        // later: their text.
        other => V::String(StringValue::from(other.to_string())),
    })
}

/// The event name for an entry: its message, borrowed when the message is a
/// plain string literal with no arguments.
pub(crate) fn event_name(record: &Record<'_>) -> Cow<'static, str> {
    match record.message().as_str() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(record.message().to_string()),
    }
}

/// The attributes of an entry's event: `level`, then the fields of the
/// `Ctx` (`context`'s) that the entry does not give itself, then the entry's
/// own, each key once.
pub(crate) fn event_attributes<L: Logger>(record: &Record<'_>, context: &L) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(1 + record.fields().len());
    attributes.push(KeyValue::new(LEVEL_KEY, record.level().as_str()));
    context.for_each_field(|key, value| {
        if !record.has_field(key) {
            attributes.extend(key_value(key, value));
        }
    });
    attributes.extend(
        record
            .unique_fields()
            .filter_map(|f| key_value(f.key, f.value)),
    );
    attributes
}

/// An error status as OpenTelemetry keeps it, and the message of its
/// `exception` event.
///
/// The description is `"<Code>: <message>"`, or `"<Code>"` when the message
/// is empty; the exception message is the message, or the code's name when
/// the message is empty.
pub(crate) fn error_status(
    code: StatusCode,
    message: &dyn fmt::Display,
) -> (opentelemetry::trace::Status, String) {
    let message = message.to_string();
    if message.is_empty() {
        let name = code.as_str();
        (opentelemetry::trace::Status::error(name), name.to_owned())
    } else {
        (
            opentelemetry::trace::Status::error(format!("{code}: {message}")),
            message,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_type_where_opentelemetry_has_one() {
        use opentelemetry::Value as V;
        let otel_value = |v| otel_value(v).unwrap();
        assert_eq!(otel_value(Value::U64(7)), V::I64(7));
        assert_eq!(
            otel_value(Value::U64(u64::MAX)),
            V::String(u64::MAX.to_string().into())
        );
        assert_eq!(otel_value(Value::I64(-1)), V::I64(-1));
        assert_eq!(otel_value(Value::I128(&-1)), V::I64(-1));
        assert_eq!(
            otel_value(Value::I128(&i128::MIN)),
            V::String(i128::MIN.to_string().into())
        );
        assert_eq!(otel_value(Value::U128(&7)), V::I64(7));
        assert_eq!(otel_value(Value::F64(0.5)), V::F64(0.5));
        assert_eq!(otel_value(Value::Bool(true)), V::Bool(true));
        assert_eq!(otel_value(Value::Str("a")), V::String("a".into()));
        assert_eq!(otel_value(ctxtrace::display(&'x')), V::String("x".into()));
        assert_eq!(
            otel_value(Value::Duration(std::time::Duration::from_millis(1500))),
            V::F64(1.5)
        );
        assert_eq!(otel_value(ctxtrace::debug(&"x")), V::String("\"x\"".into()));
        assert_eq!(super::otel_value(Value::Null), None);
    }

    #[test]
    fn an_empty_message_describes_the_status_by_its_code() {
        let (status, message) = error_status(StatusCode::NotFound, &"");
        assert_eq!(status, opentelemetry::trace::Status::error("NotFound"));
        assert_eq!(message, "NotFound");
        let (status, message) = error_status(StatusCode::Unavailable, &"no route");
        assert_eq!(
            status,
            opentelemetry::trace::Status::error("Unavailable: no route")
        );
        assert_eq!(message, "no route");
    }

    #[test]
    fn a_literal_message_is_borrowed() {
        let record = Record::new(ctxtrace::Level::Info, format_args!("plain"), &[]);
        assert!(matches!(event_name(&record), Cow::Borrowed("plain")));
        let n = 3;
        let name = event_name(&Record::new(
            ctxtrace::Level::Info,
            format_args!("n={n}"),
            &[],
        ));
        assert_eq!(name, "n=3");
    }
}
