//! What fields carry: [`Value`], borrowed at the call site, and [`ToValue`].

use core::error::Error;
use core::fmt;

/// A field value, borrowed from the call site.
///
/// Building a `Value` never allocates: strings, [`Display`](fmt::Display)
/// values and errors are borrowed, and numbers are copied. A backend that keeps
/// a value past the call copies it into its own storage.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ToValue, Value};
///
/// assert_eq!("web-1".to_value(), Value::Str("web-1"));
/// assert_eq!(3u8.to_value(), Value::U64(3));
/// assert_eq!((-3i32).to_value(), Value::I64(-3));
/// assert_eq!(ctxtrace::display(&'x').to_string(), "x");
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A string.
    Str(&'a str),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float. Writers render a non-finite float as a string.
    F64(f64),
    /// A boolean.
    Bool(bool),
    /// Anything that implements [`Display`](fmt::Display), formatted only when a
    /// backend writes or keeps it.
    Display(&'a dyn fmt::Display),
    /// An error. Backends render its `Display`.
    Error(&'a (dyn Error + 'static)),
}

impl Value<'_> {
    /// The string, if this value is a [`Value::Str`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Value;
    ///
    /// assert_eq!(Value::Str("a").as_str(), Some("a"));
    /// assert_eq!(Value::Bool(true).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match *self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an `i64`, if it is an integer that fits.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Value;
    ///
    /// assert_eq!(Value::U64(7).as_i64(), Some(7));
    /// assert_eq!(Value::U64(u64::MAX).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::I64(n) => Some(n),
            Value::U64(n) => i64::try_from(n).ok(),
            _ => None,
        }
    }
}

impl fmt::Display for Value<'_> {
    /// Writes the value as text: strings as they are, numbers in decimal,
    /// `Display` values and errors through their `Display`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Str(s) => f.write_str(s),
            Value::I64(n) => fmt::Display::fmt(&n, f),
            Value::U64(n) => fmt::Display::fmt(&n, f),
            Value::F64(n) => fmt::Display::fmt(&n, f),
            Value::Bool(b) => fmt::Display::fmt(&b, f),
            Value::Display(d) => fmt::Display::fmt(d, f),
            Value::Error(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Str(s) => f.debug_tuple("Str").field(&s).finish(),
            Value::I64(n) => f.debug_tuple("I64").field(&n).finish(),
            Value::U64(n) => f.debug_tuple("U64").field(&n).finish(),
            Value::F64(n) => f.debug_tuple("F64").field(&n).finish(),
            Value::Bool(b) => f.debug_tuple("Bool").field(&b).finish(),
            Value::Display(d) => f
                .debug_tuple("Display")
                .field(&format_args!("{d}"))
                .finish(),
            Value::Error(e) => f.debug_tuple("Error").field(&format_args!("{e}")).finish(),
        }
    }
}

impl PartialEq for Value<'_> {
    /// Values of the same kind compare by content, and integers by value
    /// whether signed or not. `Display` values and errors compare by their
    /// rendered text, and are never equal to a `Str`.
    fn eq(&self, other: &Self) -> bool {
        match (*self, *other) {
            (Value::I64(a), Value::U64(b)) | (Value::U64(b), Value::I64(a)) => {
                u64::try_from(a).is_ok_and(|a| a == b)
            }
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::I64(a), Value::I64(b)) => a == b,
            (Value::U64(a), Value::U64(b)) => a == b,
            (Value::F64(a), Value::F64(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (
                a @ (Value::Display(_) | Value::Error(_)),
                b @ (Value::Display(_) | Value::Error(_)),
            ) => fmt_eq(&a, &b),
            _ => false,
        }
    }
}

/// Compares two `Display` renderings without allocating.
///
/// `a` is rendered piece by piece; each piece is matched against `b`'s
/// rendering at the same offset. Quadratic, but only tests and assertions
/// compare `Display` values.
fn fmt_eq(a: &dyn fmt::Display, b: &dyn fmt::Display) -> bool {
    struct Pieces<'b> {
        other: &'b dyn fmt::Display,
        offset: usize,
        equal: bool,
    }
    impl fmt::Write for Pieces<'_> {
        fn write_str(&mut self, piece: &str) -> fmt::Result {
            let mut window = Window {
                skip: self.offset,
                want: piece,
                pos: 0,
                equal: true,
            };
            let _ = fmt::write(&mut window, format_args!("{}", self.other));
            self.equal &= window.equal && window.pos == piece.len();
            self.offset += piece.len();
            Ok(())
        }
    }
    let mut pieces = Pieces {
        other: b,
        offset: 0,
        equal: true,
    };
    let _ = fmt::write(&mut pieces, format_args!("{a}"));
    let mut total = Counter(0);
    let _ = fmt::write(&mut total, format_args!("{b}"));
    pieces.equal && total.0 == pieces.offset
}

struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Matches `want` against a rendering, starting at byte `skip` of it.
struct Window<'w> {
    skip: usize,
    want: &'w str,
    pos: usize,
    equal: bool,
}

impl fmt::Write for Window<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut bytes = s.as_bytes();
        if self.skip >= bytes.len() {
            self.skip -= bytes.len();
            return Ok(());
        }
        bytes = &bytes[self.skip..];
        self.skip = 0;
        let want = &self.want.as_bytes()[self.pos..];
        let n = want.len().min(bytes.len());
        if want[..n] != bytes[..n] {
            self.equal = false;
        }
        self.pos += n;
        Ok(())
    }
}

/// A type that can be a field value.
///
/// Implemented for strings, integers, floats, `bool`, `char`, [`Value`] itself
/// (so the wrappers [`display`] and [`error`] work as fields) and references to
/// any of them. Implement it for your own types to use them as fields directly.
///
/// # Examples
///
/// ```
/// use ctxtrace::{ToValue, Value};
///
/// struct PodPhase(&'static str);
///
/// impl ToValue for PodPhase {
///     fn to_value(&self) -> Value<'_> {
///         Value::Str(self.0)
///     }
/// }
///
/// assert_eq!(PodPhase("Running").to_value(), Value::Str("Running"));
/// ```
pub trait ToValue {
    /// Borrows `self` as a [`Value`].
    ///
    /// # For implementors
    ///
    /// Do not allocate: return a borrowed string, a number, or
    /// [`Value::Display`] with `self` as the `Display` value.
    fn to_value(&self) -> Value<'_>;
}

impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        *self
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue + ?Sized> ToValue for &mut T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl ToValue for char {
    fn to_value(&self) -> Value<'_> {
        Value::Display(self)
    }
}

macro_rules! int_to_value {
    ($variant:ident, $as:ty: $($t:ty)*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Value<'_> {
                Value::$variant(*self as $as)
            }
        }
    )*};
}

int_to_value!(I64, i64: i8 i16 i32 i64 isize);
int_to_value!(U64, u64: u8 u16 u32 u64 usize);

impl ToValue for i128 {
    fn to_value(&self) -> Value<'_> {
        match i64::try_from(*self) {
            Ok(n) => Value::I64(n),
            Err(_) => Value::Display(self),
        }
    }
}

impl ToValue for u128 {
    fn to_value(&self) -> Value<'_> {
        match u64::try_from(*self) {
            Ok(n) => Value::U64(n),
            Err(_) => Value::Display(self),
        }
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::F64(*self)
    }
}

impl ToValue for f32 {
    fn to_value(&self) -> Value<'_> {
        Value::F64(f64::from(*self))
    }
}

#[cfg(feature = "std")]
impl ToValue for std::string::String {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

#[cfg(feature = "std")]
impl ToValue for std::borrow::Cow<'_, str> {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

#[cfg(feature = "std")]
impl ToValue for std::io::Error {
    fn to_value(&self) -> Value<'_> {
        Value::Error(self)
    }
}

/// A [`Display`](fmt::Display) value as a field, formatted only when a backend
/// writes or keeps it.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Value, display};
///
/// let addr = std::net::Ipv4Addr::new(10, 0, 0, 7);
/// assert_eq!(display(&addr).to_string(), "10.0.0.7");
/// assert!(matches!(display(&addr), Value::Display(_)));
/// ```
pub fn display<T: fmt::Display>(value: &T) -> Value<'_> {
    Value::Display(value)
}

/// An error as a field. Backends write its `Display`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Value, error};
///
/// let err = "x".parse::<u8>().unwrap_err();
/// assert_eq!(error(&err).to_string(), "invalid digit found in string");
/// assert!(matches!(error(&err), Value::Error(_)));
/// ```
pub fn error<E: Error + 'static>(err: &E) -> Value<'_> {
    Value::Error(err)
}

/// A field: a static key and a borrowed value.
///
/// The logging macros build fields from `key = value` pairs; a backend receives
/// them as a slice in [`Record::fields`](crate::Record::fields).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Field, Value};
///
/// let field = Field::new("attempt", &3u32);
/// assert_eq!(field.key, "attempt");
/// assert_eq!(field.value, Value::U64(3));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field<'a> {
    /// The key.
    pub key: &'static str,
    /// The value.
    pub value: Value<'a>,
}

impl<'a> Field<'a> {
    /// A field from a key and anything that is a [`ToValue`]. The value is
    /// borrowed, not copied.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Value};
    ///
    /// let pod: &str = "web-1";
    /// let field = Field::new("pod", pod);
    /// assert_eq!(field.value, Value::Str("web-1"));
    /// ```
    #[inline]
    pub fn new<V: ToValue + ?Sized>(key: &'static str, value: &'a V) -> Self {
        Field {
            key,
            value: value.to_value(),
        }
    }
}

/// A value copied out of the call site, as the memory backends keep it.
///
/// `Display` values and errors are rendered to [`OwnedValue::Str`] when they
/// are copied.
///
/// # Examples
///
/// ```
/// use ctxtrace::{OwnedValue, Value};
///
/// let owned = OwnedValue::from(ctxtrace::display(&'x'));
/// assert_eq!(owned, OwnedValue::Str("x".to_string()));
/// assert_eq!(owned.as_value(), Value::Str("x"));
/// assert_eq!(OwnedValue::I64(3), OwnedValue::U64(3));
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum OwnedValue {
    /// A boolean.
    Bool(bool),
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A float. Serialized as a string when it is not finite.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::value::serialize_f64")
    )]
    F64(f64),
    /// A string, or a rendered `Display` value or error.
    Str(std::string::String),
}

#[cfg(feature = "std")]
impl OwnedValue {
    /// Borrows the value as a [`Value`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{OwnedValue, Value};
    ///
    /// let owned = OwnedValue::Str("web-1".to_string());
    /// assert_eq!(owned.as_value(), Value::Str("web-1"));
    /// assert_eq!(OwnedValue::Bool(true).as_value(), Value::Bool(true));
    /// ```
    pub fn as_value(&self) -> Value<'_> {
        match *self {
            OwnedValue::Bool(b) => Value::Bool(b),
            OwnedValue::U64(n) => Value::U64(n),
            OwnedValue::I64(n) => Value::I64(n),
            OwnedValue::F64(n) => Value::F64(n),
            OwnedValue::Str(ref s) => Value::Str(s),
        }
    }
}

#[cfg(feature = "std")]
impl From<Value<'_>> for OwnedValue {
    fn from(value: Value<'_>) -> Self {
        match value {
            Value::Str(s) => OwnedValue::Str(s.into()),
            Value::I64(n) => OwnedValue::I64(n),
            Value::U64(n) => OwnedValue::U64(n),
            Value::F64(n) => OwnedValue::F64(n),
            Value::Bool(b) => OwnedValue::Bool(b),
            other => OwnedValue::Str(other.to_string()),
        }
    }
}

#[cfg(feature = "std")]
impl PartialEq for OwnedValue {
    /// Compares as [`Value`] does: integers by value whatever their sign type,
    /// since JSON does not keep the difference.
    fn eq(&self, other: &Self) -> bool {
        self.as_value() == other.as_value()
    }
}

#[cfg(feature = "std")]
impl core::fmt::Display for OwnedValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.as_value(), f)
    }
}

#[cfg(feature = "std")]
impl ToValue for OwnedValue {
    fn to_value(&self) -> Value<'_> {
        self.as_value()
    }
}

#[cfg(all(feature = "std", feature = "serde"))]
fn serialize_f64<S: serde::Serializer>(n: &f64, s: S) -> Result<S::Ok, S::Error> {
    if n.is_finite() {
        s.serialize_f64(*n)
    } else {
        s.collect_str(n)
    }
}

/// A secret as a field value: every backend renders it as `[redacted]`.
///
/// The wrapped value is never formatted by this crate: text and JSON lines,
/// the memory recorder, serde output and the adapters all see the string
/// `[redacted]`, and so do `Debug` and `Display`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryLogger, NopTracer, Redacted, ToValue, Value};
///
/// let token = Redacted("s3cr3t");
/// assert_eq!(token.to_value(), Value::Str("[redacted]"));
/// assert_eq!(format!("{token} {token:?}"), "[redacted] [redacted]");
///
/// let logger = MemoryLogger::new();
/// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "login"; token = token);
/// assert_eq!(logger.entries()[0].field("token").unwrap().to_string(), "[redacted]");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Redacted<T>(pub T);

impl<T> Redacted<T> {
    /// What every backend writes in place of the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Redacted;
    ///
    /// assert_eq!(Redacted::<&str>::TEXT, "[redacted]");
    /// assert_eq!(Redacted("hunter2").to_string(), Redacted::<&str>::TEXT);
    /// ```
    pub const TEXT: &'static str = "[redacted]";
}

impl<T> ToValue for Redacted<T> {
    fn to_value(&self) -> Value<'_> {
        Value::Str(Self::TEXT)
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::TEXT)
    }
}

impl<T> fmt::Display for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::TEXT)
    }
}
