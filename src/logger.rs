//! The [`Logger`] trait and the [`Record`] a logger receives.

use core::fmt;

use crate::{Field, Level, LevelFilter, SpanIds, Value};

/// One log entry, as a logger receives it.
///
/// A record borrows everything from the call site: the message is a
/// [`fmt::Arguments`] that is formatted only by the backend that writes it, and
/// the fields are the entry's own `key = value` pairs. Fields set earlier on the
/// [`Ctx`](crate::Ctx) are the logger's own business: each logger keeps them
/// itself (see [`Logger::with_field`]).
///
/// # Examples
///
/// ```
/// use ctxtrace::{Field, Level, Record};
///
/// let fields = [Field::new("pod", "web-1")];
/// let record = Record::new(Level::Info, format_args!("synced {} containers", 3), &fields);
/// assert_eq!(record.level(), Level::Info);
/// assert_eq!(record.message().to_string(), "synced 3 containers");
/// assert_eq!(record.fields()[0].key, "pod");
/// assert_eq!(record.span_ids(), None);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    level: Level,
    message: fmt::Arguments<'a>,
    fields: &'a [Field<'a>],
    span_ids: Option<SpanIds>,
    callsite: &'a Callsite<'a>,
}

/// Where an entry was written: its target, file and line, and the keys of
/// its fields when they are known. What a logger receives with each
/// [`Record`].
///
/// The logging macros make one `static` `Callsite` per call, with
/// [`new_static`](Callsite::new_static), the caller's `module_path!()` as the
/// target (or the `target: "..."` given to the macro), `file!()`, `line!()`
/// and the keys of the call's fields ([`with_keys`](Callsite::with_keys)),
/// so passing it costs a reference. A bridge from another logging system
/// uses `new_static` when that system's strings live as long as the
/// program (as `tracing`'s metadata does), else [`new`](Callsite::new),
/// borrowing them for the one call.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Callsite, Ctx, Level, MemoryLogger, NopTracer, Record};
///
/// static SITE: Callsite<'static> = Callsite::new_static("podlib::sync", "src/sync.rs", 42);
/// let record = Record::new(Level::Info, format_args!("synced"), &[]).with_callsite(&SITE);
/// assert_eq!((record.target(), record.file(), record.line()), ("podlib::sync", "src/sync.rs", 42));
///
/// // The macros fill it in.
/// let logger = MemoryLogger::new();
/// ctxtrace::info!(Ctx::new(NopTracer, logger.clone()), "from a module");
/// assert_eq!(logger.entries()[0].target(), module_path!());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Callsite<'a> {
    target: &'a str,
    /// The target again, when it is known to live as long as the program:
    /// made by [`new_static`](Callsite::new_static), as the macros' are.
    static_target: Option<&'static str>,
    file: &'a str,
    line: u32,
    /// The target is printable ASCII without `"` or `\\`, so a JSON line
    /// holds it as it is: checked once, when the call site is made (at
    /// compile time for the macros' static ones).
    plain_target: bool,
    /// The keys of the fields that the records of this call site carry.
    keys: &'a [&'a str],
    /// Every key of `keys` is [plain](plain_key) and none repeats, so the
    /// writers write them as they are: checked once, like `plain_target`.
    plain_keys: bool,
}

/// Whether `s` is printable ASCII without `"` or `\\`: text that a JSON string
/// holds as it is.
const fn is_plain_ascii(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x20 || b >= 0x7f || b == b'"' || b == b'\\' {
            return false;
        }
        i += 1;
    }
    true
}

/// Keys the writers use for their fixed fields: a field with one of these
/// keys is written as `fields.<key>`, so that no field can pass for a fixed
/// one. The writers' `is_reserved` reads this list (after a look at the
/// first letter, which must be `t`, `l`, `m` or `s`: a test checks it).
pub(crate) const RESERVED: [&str; 7] = [
    "time", "level", "target", "msg", "method", "trace_id", "span_id",
];

/// Whether `a` and `b` are the same bytes, in a `const fn`.
const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether `name` is not empty and holds only ASCII letters, digits and
/// `_ . - / @ :`: text that a JSON string and a bare logfmt value hold as
/// it is. Inlined, so that the optimiser can fold the check of a literal
/// into its caller.
#[inline(always)]
pub(crate) const fn plain_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_plain_key_byte(bytes[i]) {
            return false;
        }
        i += 1;
    }
    !bytes.is_empty()
}

/// Whether `b` is an ASCII letter or digit or one of `_ . - / @ :`: a byte
/// that logfmt writes as it is in a key, and that needs no escaping in JSON.
#[inline(always)]
pub(crate) const fn is_plain_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b'@' | b':')
}

/// Whether a writer writes `key` as it is, in JSON and in logfmt alike: not
/// empty, only ASCII letters, digits and `_ . - / @ :`, and neither a fixed
/// key nor one that starts with `fields.` (those are renamed). Most keys
/// are; the writers check every other key byte by byte as they write it.
///
/// A `const fn`, so that the macros check their keys at compile time, and
/// inlined, so that the optimiser can fold the check of a literal key
/// given to `with_field` into its caller (in an optimised build; it is a
/// check at run time otherwise, as cheap as the one it replaces).
#[inline(always)]
pub(crate) const fn plain_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    if !plain_name(key) {
        return false;
    }
    if bytes.len() >= 7 && same_bytes(bytes.split_at(7).0, b"fields.") {
        return false;
    }
    let mut r = 0;
    while r < RESERVED.len() {
        if same_bytes(bytes, RESERVED[r].as_bytes()) {
            return false;
        }
        r += 1;
    }
    true
}

/// The most keys that [`plain_unique_keys`] checks: its check for repeats
/// takes time that grows with the square of the count, and it runs in the
/// compiler for the macros, which stops a constant that takes long. A call
/// with more fields is written with each key checked.
const MAX_CHECKED_KEYS: usize = 32;

/// Whether every key of `keys` is [plain](plain_key) and none repeats; never
/// for more than [`MAX_CHECKED_KEYS`] keys.
const fn plain_unique_keys(keys: &[&str]) -> bool {
    if keys.len() > MAX_CHECKED_KEYS {
        return false;
    }
    let mut i = 0;
    while i < keys.len() {
        if !plain_key(keys[i]) {
            return false;
        }
        let mut j = 0;
        while j < i {
            if same_bytes(keys[i].as_bytes(), keys[j].as_bytes()) {
                return false;
            }
            j += 1;
        }
        i += 1;
    }
    true
}

impl<'a> Callsite<'a> {
    /// The call site of a record that says nothing of where it came from:
    /// an empty target and file, and line 0. [`Record::new`] starts with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Callsite;
    ///
    /// assert_eq!(Callsite::UNKNOWN.target(), "");
    /// assert_eq!(Callsite::UNKNOWN.line(), 0);
    /// ```
    pub const UNKNOWN: Callsite<'static> = Callsite::new_static("", "", 0);

    /// A call site whose strings may be borrowed, for one call if need be,
    /// as a bridge's are. A recorder copies its target into each event;
    /// for strings that live as long as the program, use
    /// [`new_static`](Callsite::new_static), whose target it keeps by
    /// reference. A `const fn`, as `new_static` is.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Callsite;
    ///
    /// let target = String::from("podlib");
    /// let site = Callsite::new(&target, file!(), line!());
    /// assert_eq!((site.target(), site.target_static()), ("podlib", None));
    /// ```
    pub const fn new(target: &'a str, file: &'a str, line: u32) -> Self {
        Callsite {
            target,
            static_target: None,
            file,
            line,
            plain_target: is_plain_ascii(target),
            keys: &[],
            plain_keys: true,
        }
    }

    /// The same call site, whose records carry fields with these keys, in
    /// this order. The macros give each call site its keys, checked once at
    /// compile time, so that the writers need not check them on each line.
    /// A record whose fields have other keys is written as well, checked
    /// key by key.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Ctx, Field, JsonLogger, Level, NopTracer};
    ///
    /// static SITE: Callsite<'static> =
    ///     Callsite::new("podlib", file!(), line!()).with_keys(&["pod", "attempt"]);
    /// assert_eq!(SITE.keys(), ["pod", "attempt"]);
    ///
    /// let logger = JsonLogger::new(Vec::new()).without_time().without_target();
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// let fields = [Field::new("pod", &"web-1"), Field::new("attempt", &2)];
    /// ctx.log_at(&SITE, Level::Info, format_args!("synced"), &fields);
    /// // Not the keys of the call site: checked and renamed all the same.
    /// let other = [Field::new("msg", &"forged")];
    /// ctx.log_at(&SITE, Level::Info, format_args!("synced"), &other);
    /// drop(ctx);
    /// let out = String::from_utf8(logger.into_writer().unwrap()).unwrap();
    /// assert_eq!(
    ///     out,
    ///     "{\"level\":\"info\",\"msg\":\"synced\",\"pod\":\"web-1\",\"attempt\":2}\n\
    ///      {\"level\":\"info\",\"msg\":\"synced\",\"fields.msg\":\"forged\"}\n"
    /// );
    /// ```
    #[must_use]
    pub const fn with_keys(mut self, keys: &'a [&'a str]) -> Self {
        self.keys = keys;
        self.plain_keys = plain_unique_keys(keys);
        self
    }

    /// The keys that [`with_keys`](Callsite::with_keys) gave; none for a
    /// call site made with [`new`](Callsite::new) alone.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Callsite;
    ///
    /// assert!(Callsite::UNKNOWN.keys().is_empty());
    /// ```
    pub const fn keys(&self) -> &'a [&'a str] {
        self.keys
    }

    /// Whether the target needs no escaping in a JSON string.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) const fn plain_target(&self) -> bool {
        self.plain_target
    }

    /// The target: the module the entry was written in, unless the call
    /// named another one. Loggers filter and label entries by it.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::Callsite::new("podlib", "", 0).target(), "podlib");
    /// ```
    pub const fn target(&self) -> &'a str {
        self.target
    }

    /// The source file, or `""` when unknown.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::Callsite::new("", "src/lib.rs", 1).file(), "src/lib.rs");
    /// ```
    pub const fn file(&self) -> &'a str {
        self.file
    }

    /// The line in [`file`](Callsite::file), or 0 when unknown.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::Callsite::new("", "src/lib.rs", 7).line(), 7);
    /// ```
    pub const fn line(&self) -> u32 {
        self.line
    }

    /// The target, when the call site was made with
    /// [`new_static`](Callsite::new_static): `None` for one made with
    /// [`new`](Callsite::new), whose target may be borrowed for one call.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Callsite;
    ///
    /// let target = String::from("dep");
    /// assert_eq!(Callsite::new(&target, "", 0).target_static(), None);
    /// assert_eq!(Callsite::UNKNOWN.target_static(), Some(""));
    /// ```
    pub const fn target_static(&self) -> Option<&'static str> {
        self.static_target
    }

    /// What makes two call sites the same: not how they were made.
    fn identity(&self) -> (&'a str, &'a str, u32, &'a [&'a str]) {
        (self.target, self.file, self.line, self.keys)
    }
}

impl Callsite<'static> {
    /// A call site whose strings live as long as the program, as the
    /// macros' `static` ones do: the same as [`new`](Callsite::new), and
    /// [`target_static`](Callsite::target_static) gives the target. A
    /// recorder keeps such a target by reference, where it copies any other
    /// into each event.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::Callsite;
    ///
    /// static SITE: Callsite<'static> = Callsite::new_static("podlib", file!(), line!());
    /// assert_eq!(SITE.target_static(), Some("podlib"));
    /// // The same call site as one made with `new`.
    /// assert_eq!(SITE, Callsite::new("podlib", file!(), SITE.line()));
    /// ```
    pub const fn new_static(target: &'static str, file: &'static str, line: u32) -> Self {
        let mut site = Callsite::new(target, file, line);
        site.static_target = Some(target);
        site
    }
}

/// Two call sites are equal when their target, file, line and keys are,
/// whether or not they were made with [`Callsite::new_static`].
impl PartialEq for Callsite<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Callsite<'_> {}

impl core::hash::Hash for Callsite<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl<'a> Record<'a> {
    /// A record with no span ids. [`Ctx::log`](crate::Ctx::log) builds one for
    /// each entry; a backend's tests can build their own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Level, Record};
    ///
    /// let fields = [Field::new("attempt", &2)];
    /// let record = Record::new(Level::Warn, format_args!("retrying"), &fields);
    /// assert_eq!(record.span_ids(), None);
    /// ```
    #[inline]
    pub fn new(level: Level, message: fmt::Arguments<'a>, fields: &'a [Field<'a>]) -> Self {
        Record {
            level,
            message,
            fields,
            span_ids: None,
            callsite: &Callsite::UNKNOWN,
        }
    }

    /// The same record, tagged with the ids of the span it was logged under.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, Record, SpanId, SpanIds, TraceId};
    ///
    /// let ids = SpanIds { trace_id: TraceId(1), span_id: SpanId(2) };
    /// let record = Record::new(Level::Info, format_args!("x"), &[]).with_span_ids(Some(ids));
    /// assert_eq!(record.span_ids(), Some(ids));
    /// ```
    #[must_use]
    #[inline]
    pub fn with_span_ids(self, span_ids: Option<SpanIds>) -> Self {
        Record { span_ids, ..self }
    }

    /// The same record, with where it was written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Level, Record};
    ///
    /// let site = Callsite::new("dep", "dep/src/lib.rs", 9);
    /// let record = Record::new(Level::Warn, format_args!("x"), &[]).with_callsite(&site);
    /// assert_eq!(record.callsite(), &site);
    /// ```
    #[must_use]
    #[inline]
    pub fn with_callsite(self, callsite: &'a Callsite<'a>) -> Self {
        Record { callsite, ..self }
    }

    /// Where the entry was written ([`Callsite::UNKNOWN`] unless given).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Level, Record};
    ///
    /// let record = Record::new(Level::Info, format_args!("x"), &[]);
    /// assert_eq!(record.callsite(), &Callsite::UNKNOWN);
    /// ```
    #[inline]
    pub fn callsite(&self) -> &'a Callsite<'a> {
        self.callsite
    }

    /// The target of the entry: [`Callsite::target`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryLogger, NopTracer};
    ///
    /// let logger = MemoryLogger::new();
    /// let ctx = Ctx::new(NopTracer, logger.clone());
    /// ctxtrace::info!(ctx, target: "podlib", "synced");
    /// assert_eq!(logger.entries()[0].target(), "podlib");
    /// ```
    #[inline]
    pub fn target(&self) -> &'a str {
        self.callsite.target
    }

    /// The target, when it lives as long as the program:
    /// [`Callsite::target_static`]. The macros' records have one, and so
    /// does a record made with [`Record::new`] alone (its call site is
    /// [`Callsite::UNKNOWN`], whose target is `""`): `Some` says how long
    /// the target lives, not where the record came from.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Level, Record};
    ///
    /// static SITE: Callsite<'static> = Callsite::new_static("podlib", "", 0);
    /// let record = Record::new(Level::Info, format_args!("x"), &[]).with_callsite(&SITE);
    /// assert_eq!(record.target_static(), Some("podlib"));
    /// ```
    #[inline]
    pub fn target_static(&self) -> Option<&'static str> {
        self.callsite.static_target
    }

    /// The source file of the entry: [`Callsite::file`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Level, Record};
    ///
    /// let site = Callsite::new("", "src/main.rs", 3);
    /// assert_eq!(Record::new(Level::Info, format_args!("x"), &[]).with_callsite(&site).file(), "src/main.rs");
    /// ```
    #[inline]
    pub fn file(&self) -> &'a str {
        self.callsite.file
    }

    /// The line of the entry: [`Callsite::line`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Callsite, Level, Record};
    ///
    /// let site = Callsite::new("", "src/main.rs", 3);
    /// assert_eq!(Record::new(Level::Info, format_args!("x"), &[]).with_callsite(&site).line(), 3);
    /// ```
    #[inline]
    pub fn line(&self) -> u32 {
        self.callsite.line
    }

    /// The entry's level.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, Record};
    ///
    /// let record = Record::new(Level::Debug, format_args!("x"), &[]);
    /// assert_eq!(record.level(), Level::Debug);
    /// ```
    #[inline]
    pub fn level(&self) -> Level {
        self.level
    }

    /// The message, not yet formatted.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Level, Record};
    ///
    /// let record = Record::new(Level::Info, format_args!("synced {} containers", 2), &[]);
    /// assert_eq!(record.message().to_string(), "synced 2 containers");
    /// ```
    #[inline]
    pub fn message(&self) -> fmt::Arguments<'a> {
        self.message
    }

    /// The entry's own fields, in the order they were written.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Level, Record, Value};
    ///
    /// let fields = [Field::new("pod", "web-1"), Field::new("attempt", &2)];
    /// let record = Record::new(Level::Info, format_args!("x"), &fields);
    /// let keys: Vec<&str> = record.fields().iter().map(|f| f.key).collect();
    /// assert_eq!(keys, ["pod", "attempt"]);
    /// assert_eq!(record.fields()[1].value, Value::I64(2));
    /// ```
    #[inline]
    pub fn fields(&self) -> &'a [Field<'a>] {
        self.fields
    }

    /// The entry's own fields, each key once: when the entry gives a key
    /// twice, the last value wins, in its place. Backends write these.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Level, Record, Value};
    ///
    /// let fields = [Field::new("a", &1), Field::new("b", &2), Field::new("a", &3)];
    /// let record = Record::new(Level::Info, format_args!("x"), &fields);
    /// let unique: Vec<_> = record.unique_fields().map(|f| (f.key, f.value)).collect();
    /// assert_eq!(unique, [("b", Value::I64(2)), ("a", Value::I64(3))]);
    /// ```
    #[inline]
    pub fn unique_fields(&self) -> impl Iterator<Item = &'a Field<'a>> + 'a {
        UniqueFields {
            fields: self.fields,
            next: 0,
        }
    }

    /// Whether the entry gives a key more than once. Backends that write the
    /// fields check it first and take [`fields`](Record::fields) as they are
    /// when it is `false`, the common case.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Level, Record};
    ///
    /// let once = [Field::new("a", &1), Field::new("b", &2)];
    /// assert!(!Record::new(Level::Info, format_args!("x"), &once).repeats_keys());
    /// let twice = [Field::new("a", &1), Field::new("a", &2)];
    /// assert!(Record::new(Level::Info, format_args!("x"), &twice).repeats_keys());
    /// ```
    #[inline]
    pub fn repeats_keys(&self) -> bool {
        let fields = self.fields;
        (1..fields.len()).any(|i| fields[..i].iter().any(|f| same_key(f.key, fields[i].key)))
    }

    /// Whether the fields' keys are the call site's keys, which were checked
    /// when it was made: each [plain](plain_key), none repeated. A writer
    /// then writes them as they are.
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn plain_keys(&self) -> bool {
        let site = self.callsite;
        site.plain_keys
            && site.keys.len() == self.fields.len()
            && self
                .fields
                .iter()
                .zip(site.keys)
                .all(|(f, &k)| same_key(f.key, k))
    }

    /// Calls `f` with each field that a writer writes for this record, in
    /// order, and whether its key is [plain](plain_key) as the call site
    /// checked it: every field when the keys are the call site's (checked
    /// unique too) or none repeats, else [`unique_fields`](Record::unique_fields).
    #[cfg(feature = "std")]
    #[inline]
    pub(crate) fn for_each_written_field(&self, mut f: impl FnMut(&'a Field<'a>, bool)) {
        let plain = self.plain_keys();
        if !plain && self.repeats_keys() {
            self.unique_fields().for_each(|field| f(field, false));
        } else {
            self.fields.iter().for_each(|field| f(field, plain));
        }
    }

    /// Whether the entry gives the field `key` itself, which then overrides a
    /// `Ctx` field with the same key.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Field, Level, Record};
    ///
    /// let fields = [Field::new("attempt", &2)];
    /// let record = Record::new(Level::Info, format_args!("x"), &fields);
    /// assert!(record.has_field("attempt"));
    /// assert!(!record.has_field("pod"));
    /// ```
    #[inline]
    pub fn has_field(&self, key: &str) -> bool {
        self.fields.iter().any(|f| same_key(f.key, key))
    }

    /// The trace and span ids of the span the entry was logged under, when the
    /// tracer has ids (the memory recorder does; the nop tracer does not).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, MemoryTracer, NopLogger, NopTracer, Record};
    ///
    /// let (ctx, _span) = Ctx::new(MemoryTracer::new(), NopLogger).start_span("sync");
    /// let record = Record::new(Level::Info, format_args!("x"), &[]).with_span_ids(ctx.span_ids());
    /// assert_eq!(record.span_ids(), ctx.span_ids());
    /// assert!(record.span_ids().is_some());
    ///
    /// let nop = Ctx::new(NopTracer, NopLogger);
    /// let record = Record::new(Level::Info, format_args!("x"), &[]).with_span_ids(nop.span_ids());
    /// assert_eq!(record.span_ids(), None);
    /// ```
    #[inline]
    pub fn span_ids(&self) -> Option<SpanIds> {
        self.span_ids
    }
}

/// Whether two keys are the same: by length, then by address, then, for a
/// key of up to 16 bytes (most keys), as two words that may overlap, and for
/// a longer one by its first byte before its bytes; so that comparing keys
/// costs no `memcmp` call but for long keys that share a first byte.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if a.as_ptr() == b.as_ptr() {
        return true;
    }
    // A key of up to 16 bytes, most keys, as two words that may overlap:
    // no call to `memcmp`.
    let n = a.len();
    let word = |s: &[u8], at: usize, w: usize| {
        let mut x = [0u8; 8];
        if let (Some(to), Some(from)) = (x.get_mut(..w), s.get(at..at + w)) {
            to.copy_from_slice(from);
        }
        u64::from_le_bytes(x)
    };
    let half = |s: &[u8], w: usize| (word(s, 0, w), word(s, n - w, w));
    match n {
        0 => true,
        1..=3 => a.first() == b.first() && a[n / 2] == b[n / 2] && a.last() == b.last(),
        4..=7 => half(a, 4) == half(b, 4),
        8..=16 => half(a, 8) == half(b, 8),
        _ => a.first() == b.first() && a == b,
    }
}

/// The iterator of [`Record::unique_fields`]: each field that no later field
/// of the entry replaces.
struct UniqueFields<'a> {
    fields: &'a [Field<'a>],
    next: usize,
}

impl<'a> Iterator for UniqueFields<'a> {
    type Item = &'a Field<'a>;

    #[inline]
    fn next(&mut self) -> Option<&'a Field<'a>> {
        loop {
            let field = self.fields.get(self.next)?;
            self.next += 1;
            let later = self.fields.get(self.next..).unwrap_or_default();
            if !later.iter().any(|f| same_key(f.key, field.key)) {
                return Some(field);
            }
        }
    }
}

/// A [`Logger`] that async tasks can share: `Send`, `Sync` and `'static`.
/// Implemented for every such logger.
///
/// With [`SendTracer`](crate::SendTracer), it is the one bound that a generic
/// function needs to move a [`Ctx`](crate::Ctx) into `tokio::spawn` or a
/// thread. [`Logger`] itself does not require it, so a logger over a borrowed
/// writer, such as `TextLogger<&mut Vec<u8>>`, still works.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryLogger, NopTracer, SendLogger, SendTracer};
///
/// fn spawn_log<T: SendTracer, L: SendLogger>(ctx: Ctx<T, L>) -> std::thread::JoinHandle<()> {
///     std::thread::spawn(move || ctxtrace::info!(ctx, "from a thread"))
/// }
///
/// let logger = MemoryLogger::new();
/// spawn_log(Ctx::new(NopTracer, logger.clone())).join().unwrap();
/// assert_eq!(logger.entries()[0].message(), "from a thread");
/// ```
pub trait SendLogger: Logger + Send + Sync + 'static {}

impl<L> SendLogger for L where L: Logger + Send + Sync + 'static {}

/// A destination for log entries.
///
/// A logger is a value inside a [`Ctx`](crate::Ctx). It is immutable: adding a
/// field returns a new logger, and the old one is unchanged. Cloning is cheap
/// and clones of a writer logger share one writer.
///
/// # Examples
///
/// A logger that counts entries:
///
/// ```
/// use ctxtrace::{Ctx, Level, LevelFilter, Logger, NopTracer, Record, Value};
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// #[derive(Clone, Default)]
/// struct Counting(Arc<AtomicUsize>);
///
/// impl Logger for Counting {
///     const MAX_LEVEL: LevelFilter = LevelFilter::Info;
///     fn enabled(&self, _: Level) -> bool { true }
///     fn with_field(&self, _: &'static str, _: Value<'_>) -> Self { self.clone() }
///     fn log(&self, _: &Record<'_>) { self.0.fetch_add(1, Ordering::Relaxed); }
/// }
///
/// let logger = Counting::default();
/// let ctx = Ctx::new(NopTracer, logger.clone());
/// ctxtrace::info!(ctx, "kept");
/// ctxtrace::debug!(ctx, "ruled out at compile time");
/// assert_eq!(logger.0.load(Ordering::Relaxed), 1);
/// ```
pub trait Logger: Clone {
    /// The most verbose level this logger type can ever write.
    ///
    /// Entries above it are removed at compile time: their arguments are not
    /// evaluated and no code is emitted for them.
    ///
    /// # For implementors
    ///
    /// A logger with a runtime level still states here the most verbose level
    /// it could be configured to, usually [`LevelFilter::Trace`].
    const MAX_LEVEL: LevelFilter;

    /// Whether an entry at `level` is written, for levels chosen at start-up.
    ///
    /// # For implementors
    ///
    /// Keep it cheap: it runs on every entry that [`MAX_LEVEL`](Self::MAX_LEVEL)
    /// allows, before any argument is formatted.
    fn enabled(&self, level: Level) -> bool;

    /// A logger that writes `key = value` on every later entry.
    ///
    /// # For implementors
    ///
    /// Copy the value into your own storage: it is borrowed only for this call.
    #[must_use]
    fn with_field(&self, key: &'static str, value: Value<'_>) -> Self;

    /// [`with_field`](Self::with_field), for a `Ctx` whose tracer records
    /// events: the logger also keeps the value for
    /// [`for_each_field`](Self::for_each_field), which gives it to the
    /// events. [`Ctx::with_field`](crate::Ctx::with_field) and
    /// [`Span::with_field`](crate::Span::with_field) call it instead of
    /// `with_field` when the tracer's type can record events.
    ///
    /// # For implementors
    ///
    /// The default calls [`with_field`](Self::with_field). A logger that
    /// keeps its fields rendered, as the writer loggers do, can keep a typed
    /// copy here only, so that a `Ctx` with a nop tracer does not pay for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{JsonLogger, Logger, Value};
    ///
    /// let logger = JsonLogger::new(Vec::new());
    /// let mut kept = Vec::new();
    /// logger.with_field("pod", Value::Str("web-1")).for_each_field(|k, _| kept.push(k));
    /// assert!(kept.is_empty());
    /// logger.with_field_for_events("pod", Value::Str("web-1")).for_each_field(|k, _| kept.push(k));
    /// assert_eq!(kept, ["pod"]);
    /// ```
    #[must_use]
    #[inline]
    fn with_field_for_events(&self, key: &'static str, value: Value<'_>) -> Self {
        self.with_field(key, value)
    }

    /// A logger that writes `method = <name>` on every later entry.
    /// [`Ctx::start_span`](crate::Ctx::start_span) calls it with the span's name.
    ///
    /// # For implementors
    ///
    /// The default adds a `method` field with [`with_field`](Self::with_field).
    /// Override it to keep the name apart, for example to write it in a fixed
    /// place, or without copying it since it is `'static`.
    #[must_use]
    fn with_method(&self, name: &'static str) -> Self {
        self.with_field("method", Value::Str(name))
    }

    /// A clone for one thread: the same destination, fields, level and
    /// options, for a worker thread to make its spans' and fields' loggers
    /// from. [`Ctx::for_thread`](crate::Ctx::for_thread) calls it.
    ///
    /// # For implementors
    ///
    /// The default is a clone. A logger whose clones share a reference
    /// count (an `Arc`) gives a clone with a count of its own, so that
    /// threads do not pass that count's cache line between them on every
    /// span and field, as [`JsonLogger`](crate::JsonLogger) and
    /// [`TextLogger`](crate::TextLogger) do.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Logger, MemoryLogger, Value};
    ///
    /// let logger = MemoryLogger::new().with_field("node", Value::Str("n1"));
    /// let mut fields = Vec::new();
    /// logger.for_thread().for_each_field(|key, _| fields.push(key));
    /// assert_eq!(fields, ["node"]);
    /// ```
    #[must_use]
    #[inline]
    fn for_thread(&self) -> Self {
        self.clone()
    }

    /// Calls `f` with each field added with [`with_field`](Self::with_field)
    /// so far, each key once with its latest value, in the order the keys
    /// were last set. The span name of [`with_method`](Self::with_method) is
    /// not a field.
    ///
    /// A tracer that records events calls it for each entry logged under a
    /// span, so that the event carries the `Ctx`'s fields as a log line does.
    /// It is never called when the tracer records no events.
    ///
    /// # For implementors
    ///
    /// The default has no fields: a logger that keeps none, such as
    /// [`NopLogger`](crate::NopLogger), need not implement it. A logger that
    /// keeps fields should, with the values as close to their type as its
    /// storage allows (a rendered `Display` value comes back as a string).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Logger, MemoryLogger, Value};
    ///
    /// let logger = MemoryLogger::new()
    ///     .with_field("pod", Value::Str("web-1"))
    ///     .with_field("attempt", Value::U64(1))
    ///     .with_field("pod", Value::Str("web-2"));
    /// let mut fields = Vec::new();
    /// logger.for_each_field(|key, value| fields.push(format!("{key}={value}")));
    /// assert_eq!(fields, ["attempt=1", "pod=web-2"]);
    /// ```
    #[inline]
    fn for_each_field(&self, f: impl FnMut(&'static str, Value<'_>)) {
        let _ = f;
    }

    /// Whether [`for_each_field`](Self::for_each_field) may give a field:
    /// `false` only when it gives none. A tracer that records events asks
    /// before each entry logged under a span, and when there is no field
    /// to add, copies an entry of literal message and plain values straight
    /// into the span, with no scratch buffer.
    ///
    /// # For implementors
    ///
    /// The default is `true`, which is never wrong: the tracer then asks
    /// `for_each_field` as it always does. A logger that can tell cheaply
    /// that it has no fields to give returns `false` then, as this crate's
    /// loggers do; [`NopLogger`](crate::NopLogger) always does.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{JsonLogger, Logger, MemoryLogger, NopLogger, Value};
    ///
    /// assert!(!NopLogger.has_fields());
    /// let logger = MemoryLogger::new();
    /// assert!(!logger.has_fields());
    /// assert!(logger.with_field("pod", Value::Str("web-1")).has_fields());
    /// // A writer logger gives events only the fields it keeps for them.
    /// let json = JsonLogger::new(Vec::new());
    /// assert!(!json.with_field("pod", Value::Str("web-1")).has_fields());
    /// assert!(json.with_field_for_events("pod", Value::Str("web-1")).has_fields());
    /// ```
    #[inline]
    fn has_fields(&self) -> bool {
        true
    }

    /// Writes one entry. Called only when [`enabled`](Self::enabled) said yes.
    ///
    /// # For implementors
    ///
    /// Never panic on the entry's content and never end the process; an I/O
    /// error is the logger's to count or report, not the caller's.
    fn log(&self, record: &Record<'_>);
}

#[cfg(feature = "std")]
#[cfg(test)]
mod tests {
    use super::*;

    /// How a call site was made does not change what it is: a static one
    /// and one made with `new` from the same parts are equal and hash
    /// alike, and any other part tells them apart.
    #[test]
    fn a_static_call_site_equals_and_hashes_as_the_same_borrowed_one() {
        use std::hash::{BuildHasher, RandomState};
        let hasher = RandomState::new();
        let site = Callsite::new_static("podlib", "src/lib.rs", 3).with_keys(&["pod"]);
        let target = String::from("podlib");
        let same = Callsite::new(&target, "src/lib.rs", 3).with_keys(&["pod"]);
        assert_eq!(
            (site.target_static(), same.target_static()),
            (Some("podlib"), None)
        );
        assert_eq!(site, same);
        assert_eq!(hasher.hash_one(site), hasher.hash_one(same));
        for other in [
            Callsite::new("podlib::x", "src/lib.rs", 3).with_keys(&["pod"]),
            Callsite::new("podlib", "src/x.rs", 3).with_keys(&["pod"]),
            Callsite::new("podlib", "src/lib.rs", 4).with_keys(&["pod"]),
            Callsite::new("podlib", "src/lib.rs", 3),
        ] {
            assert_ne!(site, other);
        }
    }

    /// What [`plain_key`] is documented to be, written the obvious way.
    fn plain_key_model(key: &str) -> bool {
        !key.is_empty()
            && key.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b'@' | b':')
            })
            && !RESERVED.contains(&key)
            && !key.starts_with("fields.")
    }

    #[test]
    fn plain_key_is_the_documented_set() {
        let mut keys = vec![
            "",
            "pod",
            "k8s.pod/name@v1:x-y_z",
            "fields",
            "fields.",
            "fields.pod",
            "fieldsx",
            "Fields.pod",
            "a b",
            "a=b",
            "a\"b",
            "a\\b",
            "é",
            "\u{0}",
            "\u{7f}",
            "times",
            "tim",
            "METHOD",
            "span_ids",
            "msg.",
            "level2",
        ];
        keys.extend(RESERVED);
        for key in keys {
            assert_eq!(plain_key(key), plain_key_model(key), "{key:?}");
            assert_eq!(
                plain_name(key),
                !key.is_empty() && plain_key_model(&format!("x{key}")),
                "{key:?}"
            );
        }
        // Every byte alone, and after a plain one.
        for b in 0..=0x7fu8 {
            let one = char::from(b).to_string();
            assert_eq!(plain_key(&one), plain_key_model(&one), "{b:#x}");
            let two = format!("k{one}");
            assert_eq!(plain_key(&two), plain_key_model(&two), "{b:#x}");
        }
    }

    #[test]
    fn a_call_sites_keys_are_plain_only_when_each_is_and_none_repeats() {
        assert!(Callsite::new("t", "", 0).plain_keys);
        assert!(
            Callsite::new("t", "", 0)
                .with_keys(&["pod", "attempt"])
                .plain_keys
        );
        assert!(
            !Callsite::new("t", "", 0)
                .with_keys(&["pod", "a b"])
                .plain_keys
        );
        assert!(
            !Callsite::new("t", "", 0)
                .with_keys(&["pod", "msg"])
                .plain_keys
        );
        assert!(
            !Callsite::new("t", "", 0)
                .with_keys(&["pod", "attempt", "pod"])
                .plain_keys
        );
        // Past `MAX_CHECKED_KEYS`, not checked and not trusted.
        let owned: Vec<String> = (0..=MAX_CHECKED_KEYS).map(|i| format!("k{i}")).collect();
        let keys: Vec<&str> = owned.iter().map(String::as_str).collect();
        assert!(
            Callsite::new("t", "", 0)
                .with_keys(&keys[..MAX_CHECKED_KEYS])
                .plain_keys
        );
        assert!(!Callsite::new("t", "", 0).with_keys(&keys).plain_keys);
    }

    #[test]
    fn a_records_keys_are_plain_only_when_they_are_its_call_sites() {
        static SITE: Callsite<'static> = Callsite::new("t", "", 0).with_keys(&["pod", "attempt"]);
        let (one, two) = (1, 2);
        let same = [Field::new("pod", &one), Field::new("attempt", &two)];
        let record =
            |fields| Record::new(Level::Info, format_args!("m"), fields).with_callsite(&SITE);
        assert!(record(&same).plain_keys());
        // The same keys, from other memory.
        let (pod, attempt) = (String::from("pod"), String::from("attempt"));
        let copied = [
            Field {
                key: "pod",
                value: Value::Str(&pod),
            },
            Field {
                key: "attempt",
                value: Value::Str(&attempt),
            },
        ];
        assert!(record(&copied).plain_keys());
        for other in [
            &[Field::new("pod", &one)][..],
            &[Field::new("attempt", &one), Field::new("pod", &two)],
            &[Field::new("pod", &one), Field::new("attempx", &two)],
            &[Field::new("pod", &one), Field::new("msg", &two)],
            &[
                Field::new("pod", &one),
                Field::new("attempt", &two),
                Field::new("x", &two),
            ],
        ] {
            assert!(!record(other).plain_keys(), "{other:?}");
        }
        // No call site given: keys unknown, so only an entry with no fields.
        assert!(Record::new(Level::Info, format_args!("m"), &[]).plain_keys());
        assert!(!Record::new(Level::Info, format_args!("m"), &same).plain_keys());
    }

    #[test]
    fn same_key_compares_every_byte_at_every_length() {
        for len in 0..40 {
            let a: String = (0..len)
                .map(|i| char::from(b'a' + (i % 26) as u8))
                .collect();
            let copy = a.clone();
            assert!(same_key(&a, &copy), "{a:?}");
            assert!(same_key(&a, &a), "{a:?}");
            for at in 0..len {
                let mut b = a.clone().into_bytes();
                b[at] = b'Z';
                let b = String::from_utf8(b).unwrap();
                assert!(!same_key(&a, &b), "{a:?} {b:?}");
            }
            assert!(!same_key(&a, &format!("{a}a")), "{a:?}");
        }
    }
}
