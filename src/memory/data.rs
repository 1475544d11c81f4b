//! Owned copies of recorded spans and events: [`SpanData`], [`EventData`],
//! [`OwnedStatus`]. With the `serde` feature they serialize and deserialize,
//! so a run's spans can be written out as JSON or compared to a golden file.

use super::spans::{Event, SpanRecord};
use crate::{Level, OwnedValue, SpanId, Status, StatusCode, TraceId};

/// An owned copy of a recorded span, with every field public.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, MemoryTracer, NopLogger, OwnedStatus, OwnedValue, Span};
///
/// let tracer = MemoryTracer::new();
/// let (ctx, mut span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
/// let _ = span.with_field(&ctx, "pod", "web-1");
/// span.set_status(&Ok::<(), std::io::Error>(()));
/// drop(span);
///
/// let data = tracer.spans().find("sync_pod").unwrap().to_data();
/// assert_eq!(data.name, "sync_pod");
/// assert_eq!(data.attributes, [("pod".to_string(), OwnedValue::Str("web-1".into()))]);
/// assert_eq!(data.status, OwnedStatus::Ok);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SpanData {
    /// The trace id.
    pub trace_id: TraceId,
    /// The span id.
    pub span_id: SpanId,
    /// The parent's id; `None` for a root span.
    pub parent_id: Option<SpanId>,
    /// The name.
    pub name: String,
    /// Start time, in nanoseconds since the Unix epoch.
    pub start_unix_nanos: u64,
    /// End time, in nanoseconds since the Unix epoch.
    pub end_unix_nanos: u64,
    /// The number of the thread the span started on.
    pub thread: u64,
    /// The attributes, in the order they were set.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde::fields"))]
    pub attributes: Vec<(String, OwnedValue)>,
    /// The events, in order.
    pub events: Vec<EventData>,
    /// The status.
    pub status: OwnedStatus,
    /// Attributes not kept because of the span's limits
    /// ([`SpanRecord::dropped_attributes`]); 0 when read from data written
    /// before spans had limits.
    #[cfg_attr(feature = "serde", serde(default))]
    pub dropped_attributes: u64,
    /// Events not kept because of the span's limits
    /// ([`SpanRecord::dropped_events`]); 0 when read from data written
    /// before spans had limits.
    #[cfg_attr(feature = "serde", serde(default))]
    pub dropped_events: u64,
}

/// An owned copy of a span event.
///
/// # Examples
///
/// ```
/// use ctxtrace::{Ctx, Level, MemoryTracer, NopLogger};
///
/// let tracer = MemoryTracer::new();
/// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync_pod");
/// ctxtrace::warn!(ctx, "slow"; ms = 250);
/// drop(span);
/// let data = tracer.spans().find("sync_pod").unwrap().to_data();
/// assert_eq!((data.events[0].level, data.events[0].message.as_str()), (Level::Warn, "slow"));
/// ```
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct EventData {
    /// The level.
    pub level: Level,
    /// The target ([`Event::target`]); `""` when the entry had none, and
    /// when read from data written before events kept it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub target: String,
    /// When it was logged, in nanoseconds since the Unix epoch.
    pub unix_nanos: u64,
    /// The formatted message.
    pub message: String,
    /// The entry's own fields, in order.
    #[cfg_attr(feature = "serde", serde(with = "crate::serde::fields"))]
    pub fields: Vec<(String, OwnedValue)>,
}

/// An owned [`Status`].
///
/// # Examples
///
/// ```
/// use ctxtrace::{OwnedStatus, Status, StatusCode};
///
/// let status = Status::Error { code: StatusCode::NotFound, message: "gone" };
/// let owned = OwnedStatus::from(status);
/// assert_eq!(owned.as_status(), status);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "status", rename_all = "lowercase"))]
pub enum OwnedStatus {
    /// No status was set.
    #[default]
    Unset,
    /// The operation succeeded.
    Ok,
    /// The operation failed.
    Error {
        /// The code.
        code: StatusCode,
        /// The message.
        message: String,
    },
}

impl OwnedStatus {
    /// Borrows it as a [`Status`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{OwnedStatus, Status, StatusCode};
    ///
    /// let owned = OwnedStatus::Error { code: StatusCode::Aborted, message: "conflict".into() };
    /// let borrowed = Status::Error { code: StatusCode::Aborted, message: "conflict" };
    /// assert_eq!(owned.as_status(), borrowed);
    /// assert_eq!(OwnedStatus::Unset.as_status(), Status::Unset);
    /// ```
    pub fn as_status(&self) -> Status<'_> {
        match self {
            OwnedStatus::Unset => Status::Unset,
            OwnedStatus::Ok => Status::Ok,
            OwnedStatus::Error { code, message } => Status::Error {
                code: *code,
                message,
            },
        }
    }
}

impl From<Status<'_>> for OwnedStatus {
    fn from(status: Status<'_>) -> Self {
        match status {
            Status::Unset => OwnedStatus::Unset,
            Status::Ok => OwnedStatus::Ok,
            Status::Error { code, message } => OwnedStatus::Error {
                code,
                message: message.into(),
            },
        }
    }
}

fn owned_fields<'a>(
    fields: impl Iterator<Item = (&'static str, crate::Value<'a>)>,
) -> Vec<(String, OwnedValue)> {
    fields
        .map(|(k, v)| (k.to_string(), OwnedValue::from(v)))
        .collect()
}

impl SpanRecord {
    /// An owned copy, with every field public: a [`SpanData`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, MemoryTracer, NopLogger};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, outer) = Ctx::new(tracer.clone(), NopLogger).start_span("outer");
    /// drop((ctx.start_span("inner"), outer));
    /// let spans = tracer.spans();
    /// let inner = spans.find("inner").unwrap();
    /// let data = inner.to_data();
    /// assert_eq!(data.name, "inner");
    /// assert_eq!((data.span_id, data.parent_id), (inner.span_id(), inner.parent_id()));
    /// ```
    pub fn to_data(&self) -> SpanData {
        SpanData {
            trace_id: self.trace_id(),
            span_id: self.span_id(),
            parent_id: self.parent_id(),
            name: self.name().to_string(),
            start_unix_nanos: self.start_unix_nanos(),
            end_unix_nanos: self.end_unix_nanos(),
            thread: self.thread(),
            attributes: owned_fields(self.attributes()),
            events: self.events().map(|e| e.to_data()).collect(),
            status: self.status().into(),
            dropped_attributes: self.dropped_attributes(),
            dropped_events: self.dropped_events(),
        }
    }
}

impl Event<'_> {
    /// An owned copy: an [`EventData`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{Ctx, Level, MemoryTracer, NopLogger, OwnedValue};
    ///
    /// let tracer = MemoryTracer::new();
    /// let (ctx, span) = Ctx::new(tracer.clone(), NopLogger).start_span("sync");
    /// ctxtrace::info!(ctx, target: "podlib", "pulled"; image = "nginx");
    /// drop(span);
    /// let spans = tracer.spans();
    /// let data = spans.find("sync").unwrap().events().next().unwrap().to_data();
    /// assert_eq!((data.level, data.message.as_str()), (Level::Info, "pulled"));
    /// assert_eq!(data.target, "podlib");
    /// assert_eq!(data.fields, [("image".to_string(), OwnedValue::Str("nginx".into()))]);
    /// ```
    pub fn to_data(&self) -> EventData {
        EventData {
            level: self.level(),
            target: self.target().to_string(),
            unix_nanos: self.unix_nanos(),
            message: self.message().to_string(),
            fields: owned_fields(self.fields()),
        }
    }
}
