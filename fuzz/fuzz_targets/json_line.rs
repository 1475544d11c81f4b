//! Any entry through `JsonLogger` is one line that `serde_json` parses back
//! to exactly the entry.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: ctxtrace_fuzz::Input<'_>| ctxtrace_fuzz::check_json(&input));
