//! Shared fixtures for the behaviour tests: a recorder with a manual clock,
//! a `Display` that counts how often it is formatted, and user errors with
//! `source()` chains.

// Each test file uses its own subset of these fixtures.
#![allow(dead_code)]

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ctxtrace::{CodedError, Ctx, Ids, ManualClock, MemoryLogger, MemoryTracer, StatusCode};

/// The `Ctx` type every recorder test uses.
pub type RecCtx = Ctx<MemoryTracer<ManualClock>, MemoryLogger>;

/// A `Ctx` that records into a memory tracer with a manual clock and a memory
/// logger, with handles to read both back and to move the clock.
pub struct Recorder {
    pub ctx: RecCtx,
    pub tracer: MemoryTracer<ManualClock>,
    pub logger: MemoryLogger,
    pub clock: ManualClock,
}

/// A recorder whose clock starts at 0 ns, with the default capacity.
pub fn recorder() -> Recorder {
    recorder_with_capacity(ctxtrace::DEFAULT_CAPACITY)
}

/// A recorder whose clock starts at 0 ns and that keeps `capacity` spans.
pub fn recorder_with_capacity(capacity: usize) -> Recorder {
    let clock = ManualClock::new(0);
    // Counters, so that tests can assert ids.
    let tracer =
        MemoryTracer::with_clock_and_capacity(clock.clone(), capacity).with_ids(Ids::Sequential);
    let logger = MemoryLogger::new();
    let ctx = Ctx::new(tracer.clone(), logger.clone());
    Recorder {
        ctx,
        tracer,
        logger,
        clock,
    }
}

/// Loop counts shrink under miri, which is slow.
pub const fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        if n > 200 { 200 } else { n }
    } else {
        n
    }
}

/// A counter shared between a test and the values it hands to the code
/// under test.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<AtomicUsize>);

impl Counter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    pub fn bump(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

/// A `Display` value that counts how often it is formatted.
#[derive(Clone, Debug)]
pub struct CountingDisplay {
    pub text: &'static str,
    pub formatted: Counter,
}

impl CountingDisplay {
    pub fn new(text: &'static str) -> Self {
        CountingDisplay {
            text,
            formatted: Counter::new(),
        }
    }

    pub fn count(&self) -> usize {
        self.formatted.get()
    }
}

impl fmt::Display for CountingDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.formatted.bump();
        f.write_str(self.text)
    }
}

/// A function with a side effect: it counts its calls and returns `n`.
pub fn side_effect(calls: &Counter, n: u64) -> u64 {
    calls.bump();
    n
}

/// A user error around another error: `"<context>: <source>"`.
#[derive(Debug)]
pub struct Wrapped {
    pub context: &'static str,
    pub source: Box<dyn Error + Send + Sync + 'static>,
}

impl Wrapped {
    pub fn new(context: &'static str, source: impl Error + Send + Sync + 'static) -> Self {
        Wrapped {
            context,
            source: Box::new(source),
        }
    }
}

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.source)
    }
}

impl Error for Wrapped {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.source)
    }
}

/// A user error with codes of its own, for some cases, and the chain for the
/// others.
#[derive(Debug)]
pub enum SyncError {
    /// Has its own code, `FailedPrecondition`, as a `CodedError` source.
    NodeCordoned,
    /// Classified by its source.
    Provider(io::Error),
    /// A code in its chain that (wrongly) says `Ok` for an error.
    ClaimsOk,
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncError::NodeCordoned => f.write_str("node is cordoned"),
            SyncError::Provider(_) => f.write_str("provider failed"),
            SyncError::ClaimsOk => f.write_str("all is well, says the error"),
        }
    }
}

/// The code of `SyncError::NodeCordoned`, found in its chain.
static NODE_CORDONED: CodedError = CodedError::new(StatusCode::FailedPrecondition, "cordoned");
/// A code that (wrongly) says an error is ok.
static CLAIMS_OK: CodedError = CodedError::new(StatusCode::Ok, "ok");

impl Error for SyncError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SyncError::Provider(e) => Some(e),
            SyncError::NodeCordoned => Some(&NODE_CORDONED),
            SyncError::ClaimsOk => Some(&CLAIMS_OK),
        }
    }
}

/// An error with no code anywhere in its chain.
#[derive(Debug)]
pub struct Opaque;

impl fmt::Display for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("something odd")
    }
}

impl Error for Opaque {}

/// A chain of `len` links (this one included) that ends in `last`, if any.
#[derive(Debug)]
pub struct Link {
    pub depth: usize,
    pub next: Option<Box<dyn Error + Send + Sync + 'static>>,
}

/// Builds a chain of `len` `Link`s whose last link has `last` as its source.
pub fn chain(len: usize, last: Option<Box<dyn Error + Send + Sync + 'static>>) -> Link {
    let mut link = Link {
        depth: len - 1,
        next: last,
    };
    for depth in (0..len - 1).rev() {
        link = Link {
            depth,
            next: Some(Box::new(link)),
        };
    }
    link
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "link {}", self.depth)
    }
}

impl Error for Link {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match &self.next {
            Some(next) => Some(&**next),
            None => None,
        }
    }
}

/// An error that is its own source: a cycle of one.
#[derive(Debug)]
pub struct Cyclic;

impl fmt::Display for Cyclic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cyclic")
    }
}

impl Error for Cyclic {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(self)
    }
}
