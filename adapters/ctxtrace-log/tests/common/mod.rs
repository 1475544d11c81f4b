//! A capturing `log` logger. The `log` facade's logger is global by design:
//! each test binary installs this one once, and each test reads back only the
//! records with its own target.

#![allow(dead_code, unreachable_pub)]

use std::sync::Mutex;

use log::kv::{self, Key, VisitSource};

/// A key-value as captured, with the type `log` gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Kv {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    /// Anything else, rendered.
    Text(String),
}

#[derive(Clone, Debug)]
pub struct Captured {
    pub level: log::Level,
    pub target: String,
    pub message: String,
    pub kvs: Vec<(String, Kv)>,
}

impl Captured {
    pub fn kv(&self, key: &str) -> Option<&Kv> {
        self.kvs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub fn keys(&self) -> Vec<&str> {
        self.kvs.iter().map(|(k, _)| k.as_str()).collect()
    }
}

struct Capture {
    records: Mutex<Vec<Captured>>,
}

static CAPTURE: Capture = Capture {
    records: Mutex::new(Vec::new()),
};

/// Installs the capturing logger (once per test binary) and lets every level
/// through.
pub fn install() {
    let _ = log::set_logger(&CAPTURE);
    log::set_max_level(log::LevelFilter::Trace);
}

/// The records logged with `target`, oldest first.
pub fn records(target: &str) -> Vec<Captured> {
    CAPTURE
        .records
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.target == target)
        .cloned()
        .collect()
}

struct Collect(Vec<(String, Kv)>);

impl<'kvs> VisitSource<'kvs> for Collect {
    fn visit_pair(&mut self, key: Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        let v = if let Some(b) = value.to_bool() {
            Kv::Bool(b)
        } else if let Some(s) = value.to_borrowed_str() {
            Kv::Str(s.to_owned())
        } else if let Some(n) = value.to_i64().filter(|n| *n < 0) {
            Kv::I64(n)
        } else if let Some(n) = value.to_u64() {
            Kv::U64(n)
        } else if let Some(n) = value.to_f64() {
            Kv::F64(n)
        } else {
            Kv::Text(value.to_string())
        };
        self.0.push((key.as_str().to_owned(), v));
        Ok(())
    }
}

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let mut kvs = Collect(Vec::new());
        record.key_values().visit(&mut kvs).unwrap();
        let captured = Captured {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
            kvs: kvs.0,
        };
        self.records.lock().unwrap().push(captured);
    }

    fn flush(&self) {}
}

/// A `Display` that counts how often it is formatted.
#[derive(Clone, Debug, Default)]
pub struct Counted(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Counted {
    pub fn count(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        f.write_str("counted")
    }
}
