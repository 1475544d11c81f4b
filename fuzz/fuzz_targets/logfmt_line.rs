//! Any entry through `TextLogger` is one logfmt line that parses back to
//! exactly the entry, keys sanitised as documented.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: ctxtrace_fuzz::Input<'_>| ctxtrace_fuzz::check_logfmt(&input));
