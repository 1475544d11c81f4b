//! A capturing `log` logger. The `log` facade's logger is global by design:
//! each test binary installs this one once, and each test reads back only the
//! records with its own target (or, where the target is what it tests, its own
//! messages).

#![allow(dead_code, unreachable_pub)]

use std::sync::Mutex;

use log::kv::{self, Key, VisitSource, VisitValue};

/// A key-value as captured, with the type `log` gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Kv {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    I128(i128),
    U128(u128),
    Null,
    /// Anything else, rendered.
    Text(String),
}

#[derive(Clone, Debug)]
pub struct Captured {
    pub level: log::Level,
    pub target: String,
    pub file: Option<String>,
    pub line: Option<u32>,
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

/// The records with the message `message`, oldest first.
pub fn records_with_message(message: &str) -> Vec<Captured> {
    CAPTURE
        .records
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.message == message)
        .cloned()
        .collect()
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
        let mut kind = Kind(None);
        value.visit(&mut kind)?;
        let v = kind.0.unwrap_or_else(|| Kv::Text(value.to_string()));
        self.0.push((key.as_str().to_owned(), v));
        Ok(())
    }
}

/// The type `log` gives a value. A non-negative `i64` is taken as a `u64`,
/// since `log` does not keep the difference for them.
struct Kind(Option<Kv>);

impl<'v> VisitValue<'v> for &mut Kind {
    fn visit_any(&mut self, value: kv::Value<'_>) -> Result<(), kv::Error> {
        self.0 = Some(Kv::Text(value.to_string()));
        Ok(())
    }
    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = Some(Kv::Null);
        Ok(())
    }
    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.0 = Some(Kv::U64(value));
        Ok(())
    }
    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.0 = Some(match u64::try_from(value) {
            Ok(n) => Kv::U64(n),
            Err(_) => Kv::I64(value),
        });
        Ok(())
    }
    fn visit_u128(&mut self, value: u128) -> Result<(), kv::Error> {
        self.0 = Some(Kv::U128(value));
        Ok(())
    }
    fn visit_i128(&mut self, value: i128) -> Result<(), kv::Error> {
        self.0 = Some(Kv::I128(value));
        Ok(())
    }
    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        self.0 = Some(Kv::F64(value));
        Ok(())
    }
    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.0 = Some(Kv::Bool(value));
        Ok(())
    }
    fn visit_str(&mut self, value: &str) -> Result<(), kv::Error> {
        self.0 = Some(Kv::Str(value.to_owned()));
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
            file: record.file().map(str::to_owned),
            line: record.line(),
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
