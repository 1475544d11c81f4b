//! How the memory recorder continues a trace from a remote parent and hands
//! it on: the flags and `tracestate` that a span and its references carry.

use std::sync::Arc;

use super::{MemorySpanRef, SpanRecord};
use crate::{SpanIds, TraceContext, TraceFlags, TraceParent, TraceState};

/// What a span, its references and its record carry for propagation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Propagation {
    pub(super) flags: TraceFlags,
    /// `None` for an empty `tracestate`: no allocation for the common case.
    pub(super) state: Option<Arc<TraceState>>,
    /// On a reference: it names a remote span, not one of this recorder's.
    /// On a record: the span's parent is remote.
    pub(super) remote: bool,
}

impl Propagation {
    /// The flags of a new local trace: the recorder keeps every span, so it
    /// is sampled. Its counter ids are not random, so the random flag is
    /// not set.
    const ROOT_FLAGS: TraceFlags = TraceFlags::SAMPLED;

    /// What a span started under `parent` carries: the parent's flags and
    /// `tracestate`, or those of a new trace.
    pub(super) fn child_of(parent: Option<&MemorySpanRef>) -> Propagation {
        match parent {
            Some(parent) => Propagation {
                flags: parent.propagation.flags,
                state: parent.propagation.state.clone(),
                remote: false,
            },
            None => Propagation {
                flags: Self::ROOT_FLAGS,
                state: None,
                remote: false,
            },
        }
    }

    /// What the record of a span started under `parent` keeps.
    pub(super) fn for_record(&self, parent: Option<&MemorySpanRef>) -> Propagation {
        Propagation {
            remote: parent.is_some_and(|p| p.propagation.remote),
            ..self.clone()
        }
    }
}

/// The reference that stands for the remote span of `remote`.
pub(super) fn remote_ref(remote: &TraceContext) -> MemorySpanRef {
    MemorySpanRef {
        slot: u32::MAX,
        generation: 0,
        ids: SpanIds {
            trace_id: remote.parent.trace_id,
            span_id: remote.parent.parent_id,
        },
        propagation: Propagation {
            flags: remote.parent.flags.known(),
            state: (!remote.state.is_empty()).then(|| Arc::new(remote.state)),
            remote: true,
        },
    }
}

/// The context a call made under `span` sends.
pub(super) fn context_of(span: &MemorySpanRef) -> TraceContext {
    TraceContext {
        parent: TraceParent {
            trace_id: span.ids.trace_id,
            parent_id: span.ids.span_id,
            flags: span.propagation.flags,
        },
        state: span
            .propagation
            .state
            .as_deref()
            .copied()
            .unwrap_or_default(),
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
    /// defined ones), or, for a trace started here, *sampled*.
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
    /// assert_eq!(spans.find("local_root").unwrap().trace_flags(), TraceFlags::SAMPLED);
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
