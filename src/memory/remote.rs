//! How the memory recorder continues a trace from a remote parent and hands
//! it on: the flags and `tracestate` that a span and its references carry.

use std::sync::Arc;

use super::{MemorySpanRef, SpanRecord};
use crate::states::{StateKey, States};
use crate::{SpanIds, TraceContext, TraceFlags, TraceParent, TraceState};

/// What a span's record keeps for propagation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Propagation {
    pub(super) flags: TraceFlags,
    /// `None` for an empty `tracestate`: no allocation for the common case.
    pub(super) state: Option<Arc<TraceState>>,
    /// The key the span holds its `tracestate` under in the recorder's
    /// table while it is open: [`StateKey::NONE`] when it has none.
    pub(super) key: StateKey,
    /// The span's parent is remote.
    pub(super) remote: bool,
}

/// What a reference carries for propagation: plain data, so that a
/// reference is `Copy`. The `tracestate` stays in the recorder's table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct RefPropagation {
    pub(super) flags: TraceFlags,
    pub(super) state: StateKey,
    /// It names a remote span, not one of this recorder's.
    pub(super) remote: bool,
}

impl RefPropagation {
    /// The flags of a new local trace: the recorder keeps every span, so it
    /// is sampled. `start_span` adds the random flag when the recorder's
    /// ids are random (`Ids::Random`); counters are not.
    pub(super) const ROOT_FLAGS: TraceFlags = TraceFlags::SAMPLED;
}

impl Propagation {
    /// What the record of a span started under `parent` keeps: the
    /// parent's flags, and its `tracestate`, held in `states` until the
    /// span ends ([`States::release`]). With no parent, a new trace's flags
    /// (`random` set when the ids are).
    ///
    /// Inlined into `start_span`, which calls it for every span: a local
    /// parent with no `tracestate`, the usual case, takes a few moves.
    #[inline]
    pub(super) fn for_child(
        parent: Option<&MemorySpanRef>,
        random_ids: bool,
        states: &mut States,
    ) -> Propagation {
        let Some(parent) = parent else {
            return Propagation {
                // W3C Level 2: the trace id's low 56 bits are random.
                flags: RefPropagation::ROOT_FLAGS.with_random(random_ids),
                ..Propagation::default()
            };
        };
        let key = parent.propagation.state;
        let state = states.hold(key);
        Propagation {
            flags: parent.propagation.flags,
            key: if state.is_some() { key } else { StateKey::NONE },
            state,
            remote: parent.propagation.remote,
        }
    }

    /// What a reference to the span carries: a reference to a local span.
    #[inline]
    pub(super) fn for_ref(&self) -> RefPropagation {
        RefPropagation {
            flags: self.flags,
            state: self.key,
            remote: false,
        }
    }
}

/// The reference that stands for the remote span of `remote`, whose
/// `tracestate` is kept under `state`.
pub(super) fn remote_ref(remote: &TraceContext, state: StateKey) -> MemorySpanRef {
    MemorySpanRef {
        slot: u32::MAX,
        generation: 0,
        ids: SpanIds {
            trace_id: remote.parent.trace_id,
            span_id: remote.parent.parent_id,
        },
        propagation: RefPropagation {
            flags: remote.parent.flags.known(),
            state,
            remote: true,
        },
    }
}

/// The context a call made under `span` sends; its `tracestate` from
/// `states`.
pub(super) fn context_of(
    span: &MemorySpanRef,
    states: impl FnOnce(StateKey) -> TraceState,
) -> TraceContext {
    let key = span.propagation.state;
    TraceContext {
        parent: TraceParent {
            trace_id: span.ids.trace_id,
            parent_id: span.ids.span_id,
            flags: span.propagation.flags,
        },
        state: if key.is_some() {
            states(key)
        } else {
            TraceState::EMPTY
        },
    }
}

impl MemorySpanRef {
    /// Whether this reference names a remote span, made by
    /// [`Ctx::with_remote_parent`](crate::Ctx::with_remote_parent), rather
    /// than a span of this recorder.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext, TraceParent};
    ///
    /// let parent = TraceParent::parse("00-12345678901234567890123456789012-1234567890123456-01").unwrap();
    /// let ctx = Ctx::new(MemoryTracer::new(), NopLogger).with_remote_parent(&TraceContext::new(parent));
    /// assert!(ctx.span_ref().as_ref().unwrap().is_remote());
    /// let (child, _span) = ctx.start_span("handle");
    /// assert!(!child.span_ref().as_ref().unwrap().is_remote());
    /// ```
    pub fn is_remote(&self) -> bool {
        self.propagation.remote
    }
}

impl SpanRecord {
    /// The trace flags the span had: those of its remote parent (the
    /// defined ones), or, for a trace started here, *sampled*, and *random*
    /// when the recorder's ids are ([`Ids::Random`](crate::Ids::Random)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext, TraceFlags, TraceParent};
    ///
    /// let tracer = MemoryTracer::new();
    /// let parent = TraceParent::parse("00-12345678901234567890123456789012-1234567890123456-02").unwrap();
    /// let ctx = Ctx::new(tracer.clone(), NopLogger);
    /// drop(ctx.with_remote_parent(&TraceContext::new(parent)).start_span("remote_child"));
    /// drop(ctx.start_span("local_root"));
    /// let spans = tracer.spans();
    /// assert_eq!(spans.find("remote_child").unwrap().trace_flags(), TraceFlags::RANDOM);
    /// let local = TraceFlags::SAMPLED.with_random(true);
    /// assert_eq!(spans.find("local_root").unwrap().trace_flags(), local);
    /// ```
    pub fn trace_flags(&self) -> TraceFlags {
        self.propagation.flags
    }

    /// The `tracestate` the span carried on, from its remote parent; empty
    /// for a trace started here.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext};
    ///
    /// let tracer = MemoryTracer::new();
    /// let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    /// let remote = TraceContext::from_values(tp, ["congo=t61rcWkgMzE"]).unwrap();
    /// drop(Ctx::new(tracer.clone(), NopLogger).with_remote_parent(&remote).start_span("handle"));
    /// assert_eq!(tracer.spans().find("handle").unwrap().trace_state().get("congo"), Some("t61rcWkgMzE"));
    /// ```
    pub fn trace_state(&self) -> TraceState {
        self.propagation
            .state
            .as_deref()
            .copied()
            .unwrap_or_default()
    }

    /// Whether the span's parent is a remote span (its
    /// [`parent_id`](SpanRecord::parent_id) is then the caller's span, which
    /// this recorder does not hold).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger, TraceContext, TraceParent};
    ///
    /// let tracer = MemoryTracer::new();
    /// let parent = TraceParent::parse("00-12345678901234567890123456789012-1234567890123456-01").unwrap();
    /// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger)
    ///     .with_remote_parent(&TraceContext::new(parent))
    ///     .start_span("handle");
    /// drop((ctx.start_span("child"), span));
    /// let spans = tracer.spans();
    /// assert!(spans.find("handle").unwrap().has_remote_parent());
    /// assert!(!spans.find("child").unwrap().has_remote_parent());
    /// ```
    pub fn has_remote_parent(&self) -> bool {
        self.propagation.remote
    }
}
