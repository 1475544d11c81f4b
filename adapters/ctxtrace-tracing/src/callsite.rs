//! The `tracing` callsites: the fixed ones (one span callsite, one event
//! callsite per level) and the event callsites an [`Interner`] makes, one
//! per shape of entry.
//!
//! `tracing` needs `'static` metadata, with its target and field names, for
//! every span and event, and ctxtrace knows an entry's target and keys only
//! at run time. So an [`Interner`], owned by a logger or tracer and shared
//! by its clones, makes one callsite per distinct (target, level, keys) the
//! first time it sees it, leaking its metadata once, and registers it with
//! `tracing` as the macros' callsites are registered, with its own cache of
//! the subscribers' interest. It makes at most [`MAX_CALLSITES`]; past that,
//! and for an entry with more than [`MAX_KEYS`](crate::fields::MAX_KEYS) keys, entries use the fixed
//! callsite of their level, with the target `ctxtrace` and the fields in one
//! `fields` text.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use tracing_core::callsite::Callsite;
use tracing_core::field::FieldSet;
use tracing_core::subscriber::{Interest, NoSubscriber};
use tracing_core::{Dispatch, Kind, Level, LevelFilter, Metadata, dispatcher, identify_callsite};

use crate::fields::Shape;

/// The target of every span, and of the events past the bound.
pub(crate) const TARGET: &str = "ctxtrace";

/// The most event callsites one [`Interner`] makes.
pub(crate) const MAX_CALLSITES: usize = 1024;

/// The name of every event callsite.
const EVENT_NAME: &str = "ctxtrace.event";

/// The fields every event has first, in this order.
pub(crate) const RESERVED: [&str; 4] = ["message", "method", "trace_id", "span_id"];

/// The fields of an event of a fixed callsite, in this order.
const EVENT_FIELDS: &[&str] = &["message", "method", "trace_id", "span_id", "fields"];

/// How many span fields get a field slot of their own.
pub(crate) const SLOTS: usize = 32;

/// The fields of a span, in this order: its name, one slot per span field
/// (`fields.0` for the first key set, `fields.1` for the second...), the
/// text of the span fields past the slots, the ids of the ctxtrace span
/// (from the other tracer of a pair), and the status.
const SPAN_FIELDS: &[&str] = &[
    "otel.name",
    "fields.0",
    "fields.1",
    "fields.2",
    "fields.3",
    "fields.4",
    "fields.5",
    "fields.6",
    "fields.7",
    "fields.8",
    "fields.9",
    "fields.10",
    "fields.11",
    "fields.12",
    "fields.13",
    "fields.14",
    "fields.15",
    "fields.16",
    "fields.17",
    "fields.18",
    "fields.19",
    "fields.20",
    "fields.21",
    "fields.22",
    "fields.23",
    "fields.24",
    "fields.25",
    "fields.26",
    "fields.27",
    "fields.28",
    "fields.29",
    "fields.30",
    "fields.31",
    "fields",
    "trace_id",
    "span_id",
    "otel.status_code",
    "otel.status_message",
];

/// The number of fields of a span.
pub(crate) const SPAN_FIELD_COUNT: usize = SPAN_FIELDS.len();

/// The index of the field `fields` among a span's fields: the text of the
/// span fields that have no slot.
pub(crate) const SPAN_OVERFLOW: usize = 1 + SLOTS;

/// The index of the field `trace_id` among a span's fields; `span_id`
/// follows it.
pub(crate) const SPAN_TRACE_ID: usize = SPAN_OVERFLOW + 1;

// The interest codes of `Site::interest`.
const UNKNOWN: u8 = 0;
const NEVER: u8 = 1;
const SOMETIMES: u8 = 2;
const ALWAYS: u8 = 3;

/// A `tracing` callsite: its metadata and `tracing`'s cache of the
/// subscribers' interest in it.
pub(crate) struct Site {
    meta: Meta,
    /// For an interned event callsite, the ctxtrace keys of its fields after
    /// the reserved ones, in order, before renaming; `None` for a fixed one.
    keys: Option<&'static [&'static str]>,
    interest: AtomicU8,
    /// Whether some thread has begun to register it.
    claimed: AtomicBool,
}

enum Meta {
    Fixed(&'static Metadata<'static>),
    /// Set once, right after the site is leaked: the metadata names the site.
    Interned(OnceLock<Metadata<'static>>),
}

macro_rules! fixed {
    ($site:ident, $meta:ident, $name:literal, $level:expr, $fields:expr, $kind:expr) => {
        static $site: Site = Site::fixed(&$meta);
        static $meta: Metadata<'static> = Metadata::new(
            $name,
            TARGET,
            $level,
            None,
            None,
            None,
            FieldSet::new($fields, identify_callsite!(&$site)),
            $kind,
        );
    };
}

fixed!(
    SPAN,
    SPAN_META,
    "ctxtrace.span",
    Level::INFO,
    SPAN_FIELDS,
    Kind::SPAN
);
fixed!(
    ERROR,
    ERROR_META,
    "ctxtrace.event",
    Level::ERROR,
    EVENT_FIELDS,
    Kind::EVENT
);
fixed!(
    WARN,
    WARN_META,
    "ctxtrace.event",
    Level::WARN,
    EVENT_FIELDS,
    Kind::EVENT
);
fixed!(
    INFO,
    INFO_META,
    "ctxtrace.event",
    Level::INFO,
    EVENT_FIELDS,
    Kind::EVENT
);
fixed!(
    DEBUG,
    DEBUG_META,
    "ctxtrace.event",
    Level::DEBUG,
    EVENT_FIELDS,
    Kind::EVENT
);
fixed!(
    TRACE,
    TRACE_META,
    "ctxtrace.event",
    Level::TRACE,
    EVENT_FIELDS,
    Kind::EVENT
);

/// The `tracing` level of a ctxtrace level.
pub(crate) fn level(level: ctxtrace::Level) -> Level {
    match level {
        ctxtrace::Level::Error => Level::ERROR,
        ctxtrace::Level::Warn => Level::WARN,
        ctxtrace::Level::Info => Level::INFO,
        ctxtrace::Level::Debug => Level::DEBUG,
        ctxtrace::Level::Trace => Level::TRACE,
    }
}

/// Whether some dispatcher in the process may want `level`: `tracing`'s
/// global maximum level, the first check of `tracing`'s own macros.
pub(crate) fn level_enabled(level: ctxtrace::Level) -> bool {
    self::level(level) <= LevelFilter::current()
}

impl Site {
    const fn fixed(meta: &'static Metadata<'static>) -> Site {
        Site {
            meta: Meta::Fixed(meta),
            keys: None,
            interest: AtomicU8::new(UNKNOWN),
            claimed: AtomicBool::new(false),
        }
    }

    /// The span callsite.
    pub(crate) fn span() -> &'static Site {
        &SPAN
    }

    /// The fixed event callsite of `level`.
    pub(crate) fn event(level: ctxtrace::Level) -> &'static Site {
        match level {
            ctxtrace::Level::Error => &ERROR,
            ctxtrace::Level::Warn => &WARN,
            ctxtrace::Level::Info => &INFO,
            ctxtrace::Level::Debug => &DEBUG,
            ctxtrace::Level::Trace => &TRACE,
        }
    }

    pub(crate) fn meta(&'static self) -> &'static Metadata<'static> {
        self.metadata_ref()
    }

    fn metadata_ref(&self) -> &Metadata<'static> {
        match &self.meta {
            Meta::Fixed(meta) => meta,
            // An interned site is handed out by `Interner::event` only once
            // its metadata is set, so the fallback is never returned.
            Meta::Interned(meta) => meta.get().unwrap_or(&INFO_META),
        }
    }

    /// Whether its fields are `message`, `method`, `trace_id`, `span_id`
    /// then the keys of a [`Shape`], rather than the fixed ones.
    pub(crate) fn is_typed(&self) -> bool {
        self.keys.is_some()
    }

    /// Registers the callsite with `tracing` the first time, as `tracing`'s
    /// macros do, so that each subscriber sees it in `register_callsite` and
    /// `tracing` keeps its interest in [`Site::enabled`]'s cache, rebuilt
    /// whenever a dispatcher is made or `rebuild_interest_cache` is called.
    ///
    /// `dispatch` is the dispatcher the callsite is about to be used with,
    /// `None` for the thread's default. Nothing is registered while it is
    /// `NoSubscriber` (no subscriber on the thread, or inside a subscriber's
    /// callback, where `tracing` gives none): a later use registers the
    /// callsite.
    ///
    /// With a single dispatcher in the process, `tracing` computes a new
    /// callsite's interest with the thread's default alone. For a pinned
    /// dispatcher or a span's, on a thread where it is not the default, that
    /// is `NoSubscriber`, whose "never" would silence it: so a "never" is
    /// checked with the given `dispatch`, and its answer replaces it. (Were there
    /// another dispatcher, `tracing` would have asked `dispatch` too, and
    /// "never" would be its answer.)
    pub(crate) fn register(&'static self, dispatch: Option<&Dispatch>) {
        if self.claimed.load(Ordering::Acquire) {
            return;
        }
        let default;
        let (dispatch, is_default) = match dispatch {
            Some(dispatch) => (dispatch, false),
            None => {
                default = dispatcher::get_default(Dispatch::clone);
                (&default, true)
            }
        };
        if dispatch.is::<NoSubscriber>() || self.claimed.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing_core::callsite::register(self);
        if !is_default && self.interest.load(Ordering::Acquire) == NEVER {
            let interest = dispatch.register_callsite(self.meta());
            if !interest.is_never() {
                // Unless a rebuild has set it since.
                let _ = self.interest.compare_exchange(
                    NEVER,
                    code(&interest),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
            }
        }
    }

    /// Whether `dispatch` wants this callsite: `tracing`'s global maximum
    /// level, then the cached interest: `never` is no, `always` is yes,
    /// and `sometimes` (or not yet known) asks the subscriber's `enabled`.
    ///
    /// The cache holds what every dispatcher in the process said, as for
    /// `tracing`'s own callsites: `never` when all of them said never,
    /// `always` when all said always, else `sometimes`.
    pub(crate) fn enabled(&'static self, dispatch: &Dispatch) -> bool {
        let meta = self.meta();
        if *meta.level() > LevelFilter::current() {
            return false;
        }
        match self.interest.load(Ordering::Acquire) {
            NEVER => false,
            ALWAYS => true,
            _ => dispatch.enabled(meta),
        }
    }
}

fn code(interest: &Interest) -> u8 {
    if interest.is_never() {
        NEVER
    } else if interest.is_always() {
        ALWAYS
    } else {
        SOMETIMES
    }
}

impl Callsite for Site {
    fn set_interest(&self, interest: Interest) {
        self.interest.store(code(&interest), Ordering::Release);
    }

    fn metadata(&self) -> &Metadata<'_> {
        self.metadata_ref()
    }
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let meta = self.metadata_ref();
        f.debug_struct("Site")
            .field("target", &meta.target())
            .field("level", meta.level())
            .field("fields", &meta.fields())
            .finish_non_exhaustive()
    }
}

/// The event callsites of a logger or a tracer, shared by its clones: one
/// per distinct (target, level, keys), made and leaked the first time that
/// shape of entry is seen, and at most [`MAX_CALLSITES`] of them.
///
/// The memory is per shape, never per entry: an entry of a shape seen
/// before finds its callsite, and past the bound an entry of a new shape
/// uses the fixed callsite of its level. A callsite takes about 250 bytes
/// plus 32 per key, and each target is leaked once.
#[derive(Default)]
pub(crate) struct Interner {
    table: RwLock<Table>,
}

#[derive(Default)]
struct Table {
    /// The callsites, by the hash of their shape.
    sites: HashMap<u64, Vec<&'static Site>>,
    len: usize,
    /// Every target and file name a callsite has, leaked once.
    targets: HashMap<&'static str, ()>,
    /// The names of the keys that start with `fields.`, leaked once:
    /// `fields.x` is written `fields.fields.x`.
    renamed: HashMap<&'static str, &'static str>,
}

impl Interner {
    /// The callsite for an entry at `level` from `target` with the fields
    /// of `shape`: its own, made now if it is new, or the fixed one of the
    /// level when the entry has too many keys or the bound is reached.
    /// Entries with no target (`Record::new` gives none) have the target
    /// `ctxtrace`.
    pub(crate) fn event(
        &self,
        level: ctxtrace::Level,
        callsite: &ctxtrace::Callsite<'_>,
        shape: &Shape<'_>,
    ) -> &'static Site {
        let Some(keys) = shape.keys() else {
            return Site::event(level);
        };
        let target = callsite.target();
        let target = if target.is_empty() { TARGET } else { target };
        let (file, line) = (callsite.file(), callsite.line());
        let hash = hash(level, target, file, line, keys);
        {
            let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(site) = table.find(hash, level, target, file, line, keys) {
                return site;
            }
            if table.len >= MAX_CALLSITES {
                return Site::event(level);
            }
        }
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(site) = table.find(hash, level, target, file, line, keys) {
            return site;
        }
        if table.len >= MAX_CALLSITES {
            return Site::event(level);
        }
        let site = table.make(level, target, file, line, keys);
        table.sites.entry(hash).or_default().push(site);
        table.len += 1;
        site
    }

    /// How many callsites it has made.
    pub(crate) fn len(&self) -> usize {
        self.table
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len
    }
}

impl Table {
    fn find(
        &self,
        hash: u64,
        level: ctxtrace::Level,
        target: &str,
        file: &str,
        line: u32,
        keys: &[&'static str],
    ) -> Option<&'static Site> {
        let level = self::level(level);
        let (file, line) = (
            (!file.is_empty()).then_some(file),
            (line != 0).then_some(line),
        );
        self.sites.get(&hash)?.iter().copied().find(|site| {
            let meta = site.meta();
            *meta.level() == level
                && meta.target() == target
                && meta.file() == file
                && meta.line() == line
                && site.keys == Some(keys)
        })
    }

    fn make(
        &mut self,
        level: ctxtrace::Level,
        target: &str,
        file: &str,
        line: u32,
        keys: &[&'static str],
    ) -> &'static Site {
        let target = self.leak_once(target);
        let file = (!file.is_empty()).then(|| self.leak_once(file));
        let line = (line != 0).then_some(line);
        let mut names = Vec::with_capacity(RESERVED.len() + keys.len());
        names.extend(RESERVED);
        names.extend(keys.iter().map(|key| self.name(key)));
        let names: &'static [&'static str] = Box::leak(names.into_boxed_slice());
        let keys: &'static [&'static str] = Box::leak(keys.into());
        let site: &'static Site = Box::leak(Box::new(Site {
            meta: Meta::Interned(OnceLock::new()),
            keys: Some(keys),
            interest: AtomicU8::new(UNKNOWN),
            claimed: AtomicBool::new(false),
        }));
        if let Meta::Interned(meta) = &site.meta {
            let _set = meta.set(Metadata::new(
                EVENT_NAME,
                target,
                self::level(level),
                file,
                line,
                None,
                FieldSet::new(names, identify_callsite!(site)),
                Kind::EVENT,
            ));
        }
        site
    }

    /// `s`, leaked the first time it is seen (a target or a file name):
    /// each is leaked once, whatever the number of lines.
    fn leak_once(&mut self, s: &str) -> &'static str {
        match self.targets.get_key_value(s) {
            Some((s, ())) => s,
            None => {
                let leaked: &'static str = Box::leak(s.into());
                self.targets.insert(leaked, ());
                leaked
            }
        }
    }

    /// The field name of `key`: `fields.<key>` for a reserved name and for
    /// a key that starts with `fields.`, so that the renaming is one to one,
    /// as in ctxtrace's writers; else the key.
    fn name(&mut self, key: &'static str) -> &'static str {
        match key {
            "message" => "fields.message",
            "method" => "fields.method",
            "trace_id" => "fields.trace_id",
            "span_id" => "fields.span_id",
            key if key.starts_with("fields.") => self
                .renamed
                .entry(key)
                .or_insert_with(|| Box::leak(format!("fields.{key}").into_boxed_str())),
            key => key,
        }
    }
}

fn hash(level: ctxtrace::Level, target: &str, file: &str, line: u32, keys: &[&str]) -> u64 {
    let mut hasher = DefaultHasher::new();
    level.hash(&mut hasher);
    target.hash(&mut hasher);
    file.hash(&mut hasher);
    line.hash(&mut hasher);
    keys.hash(&mut hasher);
    hasher.finish()
}

impl fmt::Debug for Interner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interner")
            .field("callsites", &self.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use ctxtrace::{Field, OwnedValue};

    use super::*;
    use crate::fields::MAX_KEYS;

    #[test]
    fn each_level_has_its_fixed_callsite() {
        let levels = [
            Level::ERROR,
            Level::WARN,
            Level::INFO,
            Level::DEBUG,
            Level::TRACE,
        ];
        for (l, expected) in ctxtrace::Level::ALL.into_iter().zip(levels) {
            let site = Site::event(l);
            assert_eq!(*site.meta().level(), expected);
            assert!(site.meta().is_event());
            assert!(!site.is_typed());
            assert_eq!(site.meta().fields().len(), EVENT_FIELDS.len());
        }
        assert!(Site::span().meta().is_span());
        assert_eq!(
            Site::span()
                .meta()
                .fields()
                .iter()
                .nth(SPAN_OVERFLOW)
                .unwrap()
                .name(),
            "fields"
        );
        assert_eq!(SPAN_FIELD_COUNT, SLOTS + 6);
        let names: Vec<_> = Site::span()
            .meta()
            .fields()
            .iter()
            .map(|f| f.name())
            .collect();
        assert_eq!(
            names[SPAN_TRACE_ID..SPAN_TRACE_ID + 2],
            ["trace_id", "span_id"]
        );
    }

    #[test]
    fn one_callsite_per_shape() {
        let interner = Interner::default();
        let ctx = [("pod", OwnedValue::Str("web-1".into()))];
        let fields = [Field::new("attempt", &1)];
        let shape = Shape::new(&ctx, &fields);
        let a = interner.event(
            ctxtrace::Level::Info,
            &ctxtrace::Callsite::new("podlib", "", 0),
            &shape,
        );
        let b = interner.event(
            ctxtrace::Level::Info,
            &ctxtrace::Callsite::new("podlib", "", 0),
            &shape,
        );
        assert!(std::ptr::eq(a, b));
        assert!(a.is_typed());
        let names: Vec<_> = a.meta().fields().iter().map(|f| f.name()).collect();
        assert_eq!(
            names,
            ["message", "method", "trace_id", "span_id", "pod", "attempt"]
        );
        assert_eq!(a.meta().target(), "podlib");
        // Another target, level or key set is another callsite.
        let c = interner.event(
            ctxtrace::Level::Warn,
            &ctxtrace::Callsite::new("podlib", "", 0),
            &shape,
        );
        let d = interner.event(
            ctxtrace::Level::Info,
            &ctxtrace::Callsite::new("other", "", 0),
            &shape,
        );
        let e = interner.event(
            ctxtrace::Level::Info,
            &ctxtrace::Callsite::new("podlib", "", 0),
            &Shape::new(&ctx, &[]),
        );
        assert_eq!(interner.len(), 4);
        for other in [c, d, e] {
            assert!(!std::ptr::eq(a, other));
        }
        // No target: `ctxtrace`.
        assert_eq!(
            interner
                .event(ctxtrace::Level::Info, &ctxtrace::Callsite::UNKNOWN, &shape)
                .meta()
                .target(),
            TARGET
        );
    }

    #[test]
    fn reserved_names_are_renamed_one_to_one() {
        let interner = Interner::default();
        let fields = [
            Field::new("message", "m"),
            Field::new("span_id", "s"),
            Field::new("fields.message", "f"),
            Field::new("fields", "x"),
        ];
        let site = interner.event(
            ctxtrace::Level::Info,
            &ctxtrace::Callsite::new("t", "", 0),
            &Shape::new(&[], &fields),
        );
        let names: Vec<_> = site
            .meta()
            .fields()
            .iter()
            .skip(4)
            .map(|f| f.name())
            .collect();
        assert_eq!(
            names,
            [
                "fields.message",
                "fields.span_id",
                "fields.fields.message",
                "fields"
            ]
        );
    }

    #[test]
    fn past_the_bound_entries_use_the_fixed_callsites() {
        let interner = Interner::default();
        let shape = Shape::new(&[], &[]);
        let targets: Vec<String> = (0..MAX_CALLSITES + 3).map(|i| format!("t{i}")).collect();
        let sites: Vec<_> = targets
            .iter()
            .map(|t| {
                interner.event(
                    ctxtrace::Level::Debug,
                    &ctxtrace::Callsite::new(t, "", 0),
                    &shape,
                )
            })
            .collect();
        assert_eq!(interner.len(), MAX_CALLSITES);
        assert!(sites[..MAX_CALLSITES].iter().all(|s| s.is_typed()));
        assert!(
            sites[MAX_CALLSITES..]
                .iter()
                .all(|s| std::ptr::eq(*s, Site::event(ctxtrace::Level::Debug)))
        );
        // A shape seen before still finds its own.
        let again = interner.event(
            ctxtrace::Level::Debug,
            &ctxtrace::Callsite::new("t7", "", 0),
            &shape,
        );
        assert!(std::ptr::eq(again, sites[7]));
        // Too many keys for one callsite: the fixed one.
        let many: Vec<Field<'_>> = KEYS.iter().map(|k| Field::new(k, &1)).collect();
        let site = interner.event(
            ctxtrace::Level::Info,
            &ctxtrace::Callsite::new("t", "", 0),
            &Shape::new(&[], &many),
        );
        assert!(std::ptr::eq(site, Site::event(ctxtrace::Level::Info)));
    }

    const KEYS: [&str; MAX_KEYS + 1] = [
        "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13",
        "k14", "k15", "k16", "k17", "k18", "k19", "k20", "k21", "k22", "k23", "k24", "k25", "k26",
        "k27", "k28",
    ];
}
