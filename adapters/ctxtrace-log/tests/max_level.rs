//! `LogLogger` and `log::max_level`, in a test binary of its own: the maximum
//! level is global to the process.

mod common;

use common::{Counted, install, records};
use ctxtrace::{Ctx, Level, Logger as _, NopTracer};
use ctxtrace_log::LogLogger;

#[test]
fn levels_above_the_max_level_are_not_evaluated() {
    install();
    log::set_max_level(log::LevelFilter::Warn);
    let counted = Counted::default();
    let ctx = Ctx::new(NopTracer, LogLogger::new().with_target("max_level"));
    assert!(!ctx.logger().enabled(Level::Info));
    assert!(ctx.logger().enabled(Level::Warn));
    ctxtrace::info!(ctx, "hidden {}", counted.clone());
    ctxtrace::warn!(ctx, "shown");
    assert_eq!(counted.count(), 0);
    let records = records("max_level");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].message, "shown");
}
