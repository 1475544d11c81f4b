//! W3C Trace Context: [`TraceParent`], [`TraceState`], [`TraceFlags`] and the
//! incoming [`TraceContext`], parsed and formatted with no allocation.
//!
//! This module follows the W3C Trace Context Recommendation (Level 1) and
//! Level 2's `random` trace-flag. Everything here is in the core: it needs
//! neither `std` nor an allocator. A `tracestate` is kept in a fixed-capacity
//! buffer of [`TraceState::CAPACITY`] bytes (512, the size the specification
//! says a vendor should propagate at least), so that a remote context can be
//! carried without `alloc`; a longer combined value is truncated by whole
//! entries, as the specification says.

use core::fmt;

use crate::{SpanId, TraceId};

/// The name of the `traceparent` header, in lower case as it should be sent.
pub const TRACEPARENT: &str = "traceparent";
/// The name of the `tracestate` header, in lower case as it should be sent.
pub const TRACESTATE: &str = "tracestate";

/// The 8-bit `trace-flags` field of a `traceparent`.
///
/// Bit 0 is *sampled* (the caller may have recorded the span), bit 1 is
/// Level 2's *random* (the right-most 7 bytes of the trace id are random).
/// Other bits are reserved: [`known`](TraceFlags::known) clears them, as a
/// vendor must before it sends flags on.
///
/// # Examples
///
/// ```
/// use ctxtrace::TraceFlags;
///
/// let flags = TraceFlags(0x03);
/// assert!(flags.is_sampled() && flags.is_random());
/// assert_eq!(TraceFlags(0x81).known(), TraceFlags::SAMPLED);
/// assert_eq!(TraceFlags::RANDOM.with_sampled(true), TraceFlags(0x03));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TraceFlags(pub u8);

impl TraceFlags {
    /// No flag set.
    pub const NONE: TraceFlags = TraceFlags(0);
    /// The *sampled* flag, `01`.
    pub const SAMPLED: TraceFlags = TraceFlags(0x01);
    /// Level 2's *random trace id* flag, `02`.
    pub const RANDOM: TraceFlags = TraceFlags(0x02);

    /// Whether the *sampled* flag is set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ctxtrace::TraceFlags(0x03).is_sampled());
    /// assert!(!ctxtrace::TraceFlags(0x02).is_sampled());
    /// ```
    pub const fn is_sampled(self) -> bool {
        self.0 & Self::SAMPLED.0 != 0
    }

    /// Whether the *random* flag is set.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ctxtrace::TraceFlags(0x02).is_random());
    /// assert!(!ctxtrace::TraceFlags(0x01).is_random());
    /// ```
    pub const fn is_random(self) -> bool {
        self.0 & Self::RANDOM.0 != 0
    }

    /// These flags with *sampled* set or cleared.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::TraceFlags;
    ///
    /// assert_eq!(TraceFlags(0x03).with_sampled(false), TraceFlags::RANDOM);
    /// ```
    #[must_use]
    pub const fn with_sampled(self, sampled: bool) -> TraceFlags {
        if sampled {
            TraceFlags(self.0 | Self::SAMPLED.0)
        } else {
            TraceFlags(self.0 & !Self::SAMPLED.0)
        }
    }

    /// These flags with *random* set or cleared.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::TraceFlags;
    ///
    /// assert_eq!(TraceFlags::SAMPLED.with_random(true), TraceFlags(0x03));
    /// ```
    #[must_use]
    pub const fn with_random(self, random: bool) -> TraceFlags {
        if random {
            TraceFlags(self.0 | Self::RANDOM.0)
        } else {
            TraceFlags(self.0 & !Self::RANDOM.0)
        }
    }

    /// The flags this version of the specification defines (*sampled* and
    /// *random*), with the reserved bits cleared: what a vendor sends on.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::TraceFlags(0xff).known().0, 0x03);
    /// ```
    #[must_use]
    pub const fn known(self) -> TraceFlags {
        TraceFlags(self.0 & (Self::SAMPLED.0 | Self::RANDOM.0))
    }
}

/// Why a `traceparent` value was rejected. Whatever the reason, the
/// specification says to ignore the header and start a new trace.
///
/// # Examples
///
/// ```
/// use ctxtrace::{TraceParent, TraceParentError};
///
/// let err = TraceParent::parse("ff-12345678901234567890123456789012-1234567890123456-01");
/// assert_eq!(err, Err(TraceParentError::Version));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TraceParentError {
    /// Not `2HEXDIGLC "-"` at the start, or version `ff`.
    Version,
    /// Too short, or (for version `00`) not exactly 55 characters, or (for a
    /// higher version) a character other than `-` after the flags.
    Length,
    /// The trace id is not 32 lower-case hex digits followed by `-`.
    TraceId,
    /// The trace id is all zeros.
    ZeroTraceId,
    /// The parent id is not 16 lower-case hex digits followed by `-`.
    ParentId,
    /// The parent id is all zeros.
    ZeroParentId,
    /// The flags are not 2 lower-case hex digits.
    Flags,
}

impl fmt::Display for TraceParentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TraceParentError::Version => "traceparent: invalid version",
            TraceParentError::Length => "traceparent: invalid length",
            TraceParentError::TraceId => "traceparent: invalid trace-id",
            TraceParentError::ZeroTraceId => "traceparent: all-zero trace-id",
            TraceParentError::ParentId => "traceparent: invalid parent-id",
            TraceParentError::ZeroParentId => "traceparent: all-zero parent-id",
            TraceParentError::Flags => "traceparent: invalid trace-flags",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TraceParentError {}

/// A parsed `traceparent` header: the trace, the caller's span (the parent
/// of the next span here) and the flags. `Copy`, 25 bytes; parsing and
/// formatting never allocate.
///
/// [`parse`](TraceParent::parse) follows the specification's rules for
/// versions: version `00` must be exactly `00-<32 hex>-<16 hex>-<2 hex>`; a
/// higher version (but not `ff`) is read from its first 55 characters when
/// they are followed by `-` or the end, and anything after is ignored. Hex
/// must be lower case, and all-zero ids are invalid. Optional white space
/// (spaces and tabs) around the value is ignored.
/// [`to_header`](TraceParent::to_header) always writes version `00`, the
/// highest this crate knows, as the specification says.
///
/// # Examples
///
/// ```
/// use ctxtrace::{SpanId, TraceFlags, TraceId, TraceParent};
///
/// let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
/// let parent = TraceParent::parse(header).unwrap();
/// assert_eq!(parent.trace_id, TraceId(0x4bf92f3577b34da6a3ce929d0e0e4736));
/// assert_eq!(parent.parent_id, SpanId(0x00f067aa0ba902b7));
/// assert!(parent.flags.is_sampled());
/// assert_eq!(parent.to_header().as_str(), header);
///
/// // A future version is read by its known fields, and written as 00.
/// let future = TraceParent::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra").unwrap();
/// assert_eq!(future, parent);
/// assert!(TraceParent::parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01").is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceParent {
    /// The trace, never zero in a parsed value.
    pub trace_id: TraceId,
    /// The caller's span, never zero in a parsed value.
    pub parent_id: SpanId,
    /// The trace flags, as received.
    pub flags: TraceFlags,
}

/// The length of a version `00` `traceparent`.
const TRACEPARENT_LEN: usize = 55;

impl TraceParent {
    /// Parses a `traceparent` value, following the specification exactly.
    ///
    /// # Errors
    ///
    /// A [`TraceParentError`] says what is wrong; the caller should then
    /// ignore the header (and its `tracestate`) and start a new trace.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{TraceParent, TraceParentError};
    ///
    /// let ok = " 00-12345678901234567890123456789012-1234567890123456-00\t";
    /// assert!(!TraceParent::parse(ok).unwrap().flags.is_sampled());
    /// let zero = "00-00000000000000000000000000000000-1234567890123456-01";
    /// assert_eq!(TraceParent::parse(zero), Err(TraceParentError::ZeroTraceId));
    /// let extra = "00-12345678901234567890123456789012-1234567890123456-01-00";
    /// assert_eq!(TraceParent::parse(extra), Err(TraceParentError::Length));
    /// ```
    pub fn parse(value: &str) -> Result<TraceParent, TraceParentError> {
        let b = trim_ows(value.as_bytes());
        // "2 hex characters followed by a dash", else restart the trace.
        if b.len() < 3 || !is_hex_lc(b[0]) || !is_hex_lc(b[1]) || b[2] != b'-' {
            return Err(TraceParentError::Version);
        }
        let version = hex_value(&b[..2]) as u8;
        if version == 0xff {
            return Err(TraceParentError::Version);
        }
        if b.len() < TRACEPARENT_LEN {
            return Err(TraceParentError::Length);
        }
        let trace_id = &b[3..35];
        if b[35] != b'-' || !trace_id.iter().all(|&c| is_hex_lc(c)) {
            return Err(TraceParentError::TraceId);
        }
        let parent_id = &b[36..52];
        if b[52] != b'-' || !parent_id.iter().all(|&c| is_hex_lc(c)) {
            return Err(TraceParentError::ParentId);
        }
        let flags = &b[53..55];
        if !flags.iter().all(|&c| is_hex_lc(c)) {
            return Err(TraceParentError::Flags);
        }
        let fits = if version == 0 {
            b.len() == TRACEPARENT_LEN
        } else {
            b.len() == TRACEPARENT_LEN || b[TRACEPARENT_LEN] == b'-'
        };
        if !fits {
            return Err(TraceParentError::Length);
        }
        let trace_id = TraceId(hex_value(trace_id));
        if trace_id.0 == 0 {
            return Err(TraceParentError::ZeroTraceId);
        }
        let parent_id = SpanId(hex_value(parent_id) as u64);
        if parent_id.0 == 0 {
            return Err(TraceParentError::ZeroParentId);
        }
        Ok(TraceParent {
            trace_id,
            parent_id,
            flags: TraceFlags(hex_value(flags) as u8),
        })
    }

    /// The header value, version `00`, in a 55-byte buffer on the stack.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{SpanId, TraceFlags, TraceId, TraceParent};
    ///
    /// let parent = TraceParent { trace_id: TraceId(1), parent_id: SpanId(2), flags: TraceFlags::SAMPLED };
    /// assert_eq!(parent.to_header().as_str(), "00-00000000000000000000000000000001-0000000000000002-01");
    /// ```
    pub fn to_header(&self) -> TraceParentHeader {
        let mut buf = [b'-'; TRACEPARENT_LEN];
        buf[0] = b'0';
        buf[1] = b'0';
        buf[3..35].copy_from_slice(&self.trace_id.to_hex());
        buf[36..52].copy_from_slice(&self.parent_id.to_hex());
        const HEX: &[u8; 16] = b"0123456789abcdef";
        buf[53] = HEX[(self.flags.0 >> 4) as usize];
        buf[54] = HEX[(self.flags.0 & 0xf) as usize];
        TraceParentHeader(buf)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_header().as_str())
    }
}

/// A formatted `traceparent` value: 55 ASCII bytes on the stack, from
/// [`TraceParent::to_header`].
///
/// # Examples
///
/// ```
/// use ctxtrace::{SpanId, TraceFlags, TraceId, TraceParent};
///
/// let parent = TraceParent { trace_id: TraceId(0xab), parent_id: SpanId(0xcd), flags: TraceFlags::NONE };
/// let header = parent.to_header();
/// assert_eq!(header.as_bytes().len(), 55);
/// assert!(header.as_str().ends_with("00000000000000cd-00"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceParentHeader([u8; TRACEPARENT_LEN]);

impl TraceParentHeader {
    /// The value as a string.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{SpanId, TraceFlags, TraceId, TraceParent};
    /// let parent = TraceParent { trace_id: TraceId(1), parent_id: SpanId(1), flags: TraceFlags::NONE };
    /// assert!(parent.to_header().as_str().starts_with("00-"));
    /// ```
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The value as bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxtrace::{SpanId, TraceFlags, TraceId, TraceParent};
    /// let parent = TraceParent { trace_id: TraceId(1), parent_id: SpanId(1), flags: TraceFlags::NONE };
    /// assert_eq!(parent.to_header().as_bytes()[2], b'-');
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TraceParentHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TraceParentHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a `tracestate` value was rejected. The specification says to
/// discard the whole `tracestate` then, and to keep the `traceparent`.
///
/// # Examples
///
/// ```
/// use ctxtrace::{TraceState, TraceStateError};
///
/// assert_eq!(TraceState::parse("FOO=1"), Err(TraceStateError::Key));
/// assert_eq!(TraceState::parse("foo=bar=baz"), Err(TraceStateError::Value));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TraceStateError {
    /// A list member has no `=`.
    Member,
    /// A key does not follow `(lcalpha / DIGIT) 0*255(keychar)`.
    Key,
    /// A value is empty, longer than 256 characters, has a character outside
    /// `0x20..=0x7e`, a `,` or `=`, or ends in a space.
    Value,
    /// More than 32 list members.
    TooManyMembers,
    /// A member longer than the [`CAPACITY`](TraceState::CAPACITY) of a
    /// whole `tracestate`: a key and a value of 256 characters each, each
    /// within the grammar's limit, together make 513 bytes.
    TooLong,
}

impl fmt::Display for TraceStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TraceStateError::Member => "tracestate: list member without '='",
            TraceStateError::Key => "tracestate: invalid key",
            TraceStateError::Value => "tracestate: invalid value",
            TraceStateError::TooManyMembers => "tracestate: more than 32 list members",
            TraceStateError::TooLong => "tracestate: a list member longer than 512 bytes",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TraceStateError {}

/// The largest number of list members a `tracestate` may have.
const MAX_MEMBERS: usize = 32;
/// The longest key, and the longest value.
const MAX_KEY: usize = 256;
const MAX_VALUE: usize = 256;
/// Entries longer than this are the first to go when a `tracestate` is
/// truncated.
const LONG_ENTRY: usize = 128;

/// A validated `tracestate`: up to 32 `key=value` list members, in order,
/// kept in a fixed buffer of [`CAPACITY`](TraceState::CAPACITY) bytes with
/// no allocation. `Copy`; the empty state is [`TraceState::EMPTY`].
///
/// Parsing follows the specification: several header values are combined in
/// order as one comma-separated list ([`parse_all`](TraceState::parse_all)),
/// empty list members and optional white space around members are ignored,
/// keys and values follow the specification's grammar (a key may hold `@`,
/// as in the multi-tenant `tenant@system` form, anywhere but first), and a
/// list with an invalid member or more than 32 members is rejected whole. A
/// key that appears twice is kept once, at its first place, with its first
/// value (the specification allows keeping either). The kept form is
/// normalized: `k1=v1,k2=v2`, no white space.
///
/// A combined value longer than 512 bytes is truncated by whole entries as
/// the specification says: entries longer than 128 characters go first,
/// then entries from the right.
///
/// # Examples
///
/// ```
/// use ctxtrace::TraceState;
///
/// let state = TraceState::parse_all(["rojo=00f067aa0ba902b7 , ", "congo=t61rcWkgMzE"]).unwrap();
/// assert_eq!(state.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// assert_eq!(state.get("congo"), Some("t61rcWkgMzE"));
/// assert_eq!(state.len(), 2);
///
/// // A vendor adds its entry on the left.
/// let state = state.with_member("congo", "ucfJifl5GOE").unwrap();
/// assert_eq!(state.as_str(), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceState {
    buf: [u8; TraceState::CAPACITY],
    len: u16,
}

impl Default for TraceState {
    fn default() -> Self {
        TraceState::EMPTY
    }
}

impl TraceState {
    /// The most bytes of combined `tracestate` kept: 512, the size the
    /// specification says a vendor should propagate at least.
    pub const CAPACITY: usize = 512;

    /// The empty `tracestate`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ctxtrace::TraceState::EMPTY.is_empty());
    /// ```
    pub const EMPTY: TraceState = TraceState {
        buf: [0; TraceState::CAPACITY],
        len: 0,
    };

    /// Parses one `tracestate` header value.
    ///
    /// # Errors
    ///
    /// A [`TraceStateError`] when the value breaks the grammar or has more
    /// than 32 list members.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::TraceState;
    ///
    /// let state = TraceState::parse("foo=1 \t , \t bar=2,,").unwrap();
    /// assert_eq!(state.as_str(), "foo=1,bar=2");
    /// assert!(TraceState::parse("").unwrap().is_empty());
    /// ```
    pub fn parse(value: &str) -> Result<TraceState, TraceStateError> {
        TraceState::parse_all([value])
    }

    /// Parses several `tracestate` header values of one request, combined
    /// in order as the specification says.
    ///
    /// # Errors
    ///
    /// A [`TraceStateError`] when one member breaks the grammar or the
    /// combined list has more than 32 list members: the whole state is to
    /// be discarded then.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{TraceState, TraceStateError};
    ///
    /// let state = TraceState::parse_all(["foo=1,bar=2", "", "baz=3"]).unwrap();
    /// assert_eq!(state.as_str(), "foo=1,bar=2,baz=3");
    /// assert_eq!(TraceState::parse_all(["foo=1", "@bar=2"]), Err(TraceStateError::Key));
    /// ```
    pub fn parse_all<'a, I>(values: I) -> Result<TraceState, TraceStateError>
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: Clone,
    {
        let values = values.into_iter();
        // Pass 1: validate every member, count them, and find the kept ones
        // (first of each key) and their length.
        let mut count = 0usize;
        let mut kept = 0u32; // bit i: member i is kept
        let mut total = 0usize;
        for (i, member) in members(values.clone()).enumerate() {
            let (key, _) = split_member(member)?;
            count += 1;
            if count > MAX_MEMBERS {
                return Err(TraceStateError::TooManyMembers);
            }
            if members(values.clone())
                .take(i)
                .all(|m| member_key(m) != key)
            {
                kept |= 1 << i;
                total += member.len() + usize::from(total != 0);
            }
        }
        // Truncation: entries longer than 128 characters from the right
        // first, then any entries from the right.
        for long_only in [true, false] {
            for i in (0..count).rev() {
                if total <= Self::CAPACITY {
                    break;
                }
                if kept & (1 << i) == 0 {
                    continue;
                }
                let len = members(values.clone()).nth(i).map_or(0, str::len);
                if !long_only || len > LONG_ENTRY {
                    kept &= !(1 << i);
                    total = total.saturating_sub(len + 1);
                }
            }
        }
        let mut state = TraceState::EMPTY;
        for (i, member) in members(values).enumerate() {
            if kept & (1 << i) != 0 {
                state.push(member);
            }
        }
        Ok(state)
    }

    /// Appends a member that is known to be valid and to fit.
    fn push(&mut self, member: &str) {
        let len = self.len as usize;
        let sep = usize::from(len != 0);
        let end = len + sep + member.len();
        if end > Self::CAPACITY {
            return;
        }
        if sep == 1 {
            self.buf[len] = b',';
        }
        self.buf[len + sep..end].copy_from_slice(member.as_bytes());
        self.len = end as u16;
    }

    /// The normalized value, `k1=v1,k2=v2`, ready to send; empty when there
    /// is no member (an empty `tracestate` should not be sent).
    ///
    /// # Examples
    ///
    /// ```
    /// let state = ctxtrace::TraceState::parse(" a=1 ,b=2 ").unwrap();
    /// assert_eq!(state.as_str(), "a=1,b=2");
    /// ```
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len as usize]).unwrap_or_default()
    }

    /// Whether there is no member.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(ctxtrace::TraceState::parse(" , ").unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of members.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(ctxtrace::TraceState::parse("a=1,a=2,b=3").unwrap().len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The members, `(key, value)`, left to right.
    ///
    /// # Examples
    ///
    /// ```
    /// let state = ctxtrace::TraceState::parse("a=1,b= 2").unwrap();
    /// assert_eq!(state.iter().collect::<Vec<_>>(), [("a", "1"), ("b", " 2")]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.as_str()
            .split(',')
            .filter(|m| !m.is_empty())
            .filter_map(|m| m.split_once('='))
    }

    /// The value for `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// let state = ctxtrace::TraceState::parse("tenant@vendor=x,b=2").unwrap();
    /// assert_eq!(state.get("tenant@vendor"), Some("x"));
    /// assert_eq!(state.get("c"), None);
    /// ```
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// This state with `key=value` as its left-most member, as a vendor
    /// writes its own entry: an old member with the same key is removed,
    /// and members on the right are dropped to stay within 32 members and
    /// [`CAPACITY`](TraceState::CAPACITY) bytes.
    ///
    /// # Errors
    ///
    /// [`TraceStateError::Key`] or [`TraceStateError::Value`] when `key` or
    /// `value` breaks the grammar, and [`TraceStateError::TooLong`] when
    /// they make a member longer than [`CAPACITY`](TraceState::CAPACITY)
    /// (which only a key and a value of 256 characters each do).
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{TraceState, TraceStateError};
    ///
    /// let state = TraceState::parse("rojo=1,congo=2").unwrap();
    /// assert_eq!(state.with_member("congo", "3").unwrap().as_str(), "congo=3,rojo=1");
    /// assert!(state.with_member("Congo", "3").is_err());
    /// let (key, value) = ("k".repeat(256), "v".repeat(256));
    /// assert_eq!(state.with_member(&key, &value), Err(TraceStateError::TooLong));
    /// ```
    pub fn with_member(&self, key: &str, value: &str) -> Result<TraceState, TraceStateError> {
        check_key(key)?;
        check_value(value)?;
        let mut state = TraceState::EMPTY;
        let len = key.len() + 1 + value.len();
        if len > Self::CAPACITY {
            return Err(TraceStateError::TooLong);
        }
        state.buf[..key.len()].copy_from_slice(key.as_bytes());
        state.buf[key.len()] = b'=';
        state.buf[key.len() + 1..len].copy_from_slice(value.as_bytes());
        state.len = len as u16;
        let mut count = 1;
        for member in self.as_str().split(',').filter(|m| !m.is_empty()) {
            if member_key(member) == key {
                continue;
            }
            if count == MAX_MEMBERS || state.len as usize + 1 + member.len() > Self::CAPACITY {
                break;
            }
            state.push(member);
            count += 1;
        }
        Ok(state)
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TraceState").field(&self.as_str()).finish()
    }
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An incoming trace context: the `traceparent` (trace id, the remote
/// parent span's id, flags) and the `tracestate` that came with it. What
/// [`Ctx::with_remote_parent`](crate::Ctx::with_remote_parent) continues, and
/// what [`Ctx::trace_context`](crate::Ctx::trace_context) gives for an
/// outgoing call.
///
/// # Examples
///
/// ```
/// use ctxtrace::TraceContext;
///
/// let headers = [
///     ("TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
///     ("tracestate", "rojo=00f067aa0ba902b7"),
///     ("tracestate", "congo=t61rcWkgMzE"),
/// ];
/// let remote = TraceContext::from_headers(headers).unwrap();
/// assert_eq!(remote.parent.parent_id.to_string(), "00f067aa0ba902b7");
/// assert_eq!(remote.state.as_str(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceContext {
    /// The `traceparent`.
    pub parent: TraceParent,
    /// The `tracestate`, empty when there was none or it was invalid.
    pub state: TraceState,
}

impl TraceContext {
    /// A context with no `tracestate`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::{SpanId, TraceContext, TraceFlags, TraceId, TraceParent};
    ///
    /// let parent = TraceParent { trace_id: TraceId(1), parent_id: SpanId(2), flags: TraceFlags::SAMPLED };
    /// assert!(TraceContext::new(parent).state.is_empty());
    /// ```
    pub const fn new(parent: TraceParent) -> TraceContext {
        TraceContext {
            parent,
            state: TraceState::EMPTY,
        }
    }

    /// Extracts the context from a request's headers, given as `(name,
    /// value)` pairs in the order they came: names are matched ASCII
    /// case-insensitively, several `tracestate` fields are combined in order,
    /// and an invalid `tracestate` is dropped while the `traceparent` is
    /// kept. `None` when there is no `traceparent`, more than one, or an
    /// invalid one: the caller then starts a new trace.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::TraceContext;
    ///
    /// let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    /// assert!(TraceContext::from_headers([("traceparent", tp)]).is_some());
    /// assert!(TraceContext::from_headers([("traceparent", tp), ("traceparent", tp)]).is_none());
    /// let bad_state = TraceContext::from_headers([("traceparent", tp), ("tracestate", "FOO=1")]);
    /// assert!(bad_state.unwrap().state.is_empty());
    /// ```
    pub fn from_headers<'a, I>(headers: I) -> Option<TraceContext>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
        I::IntoIter: Clone,
    {
        let headers = headers.into_iter();
        let mut traceparents = headers
            .clone()
            .filter(|(name, _)| name.eq_ignore_ascii_case(TRACEPARENT));
        let value = traceparents.next()?.1;
        if traceparents.next().is_some() {
            return None;
        }
        Some(TraceContext::from_values(value, {
            headers
                .filter(|(name, _)| name.eq_ignore_ascii_case(TRACESTATE))
                .map(|(_, value)| value)
        }))
        .and_then(Result::ok)
    }

    /// Parses a `traceparent` value and the request's `tracestate` values.
    /// An invalid `tracestate` is dropped (the state is empty), as the
    /// specification says.
    ///
    /// # Errors
    ///
    /// The [`TraceParentError`] when the `traceparent` is invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::TraceContext;
    ///
    /// let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    /// let remote = TraceContext::from_values(tp, ["a=1", "b=2"]).unwrap();
    /// assert_eq!(remote.state.as_str(), "a=1,b=2");
    /// assert!(TraceContext::from_values("00-xyz", ["a=1"]).is_err());
    /// ```
    pub fn from_values<'a, I>(
        traceparent: &str,
        tracestate: I,
    ) -> Result<TraceContext, TraceParentError>
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: Clone,
    {
        let parent = TraceParent::parse(traceparent)?;
        // Parse tracestate only once traceparent is known to be good.
        let state = TraceState::parse_all(tracestate).unwrap_or_default();
        Ok(TraceContext { parent, state })
    }

    /// Gives the headers for an outgoing call to `set(name, value)`:
    /// `traceparent`, then `tracestate` unless it is empty. The
    /// `traceparent` value is formatted on the stack.
    ///
    /// # Examples
    ///
    /// ```
    /// use ctxtrace::TraceContext;
    ///
    /// let tp = "00-12345678901234567890123456789012-1234567890123456-01";
    /// let remote = TraceContext::from_values(tp, ["a=1"]).unwrap();
    /// let mut headers = Vec::new();
    /// remote.inject(|name, value| headers.push(format!("{name}: {value}")));
    /// assert_eq!(headers, [format!("traceparent: {tp}"), "tracestate: a=1".to_string()]);
    /// ```
    pub fn inject<F: FnMut(&'static str, &str)>(&self, mut set: F) {
        set(TRACEPARENT, self.parent.to_header().as_str());
        if !self.state.is_empty() {
            set(TRACESTATE, self.state.as_str());
        }
    }
}

/// Strips leading and trailing OWS (spaces and horizontal tabs).
fn trim_ows(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

fn trim_ows_str(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

const fn is_hex_lc(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b'a'..=b'f')
}

/// The value of up to 32 lower-case hex digits, already checked.
fn hex_value(digits: &[u8]) -> u128 {
    digits.iter().fold(0u128, |n, &c| {
        let d = if c.is_ascii_digit() {
            c - b'0'
        } else {
            c.wrapping_sub(b'a').wrapping_add(10)
        };
        (n << 4) | u128::from(d & 0xf)
    })
}

/// The non-empty list members of several header values, OWS trimmed.
fn members<'a, I>(values: I) -> impl Iterator<Item = &'a str> + Clone
where
    I: Iterator<Item = &'a str> + Clone,
{
    values
        .flat_map(|value| value.split(','))
        .map(trim_ows_str)
        .filter(|m| !m.is_empty())
}

/// The key of a member already validated (or the whole member without `=`).
fn member_key(member: &str) -> &str {
    member.split_once('=').map_or(member, |(k, _)| k)
}

/// Validates a trimmed, non-empty member and splits it.
fn split_member(member: &str) -> Result<(&str, &str), TraceStateError> {
    let (key, value) = member.split_once('=').ok_or(TraceStateError::Member)?;
    check_key(key)?;
    check_value(value)?;
    Ok((key, value))
}

/// `key = ( lcalpha / DIGIT ) 0*255 ( keychar )`,
/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
fn check_key(key: &str) -> Result<(), TraceStateError> {
    let b = key.as_bytes();
    let first_ok = matches!(b.first(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = b.iter().skip(1).all(|&c| {
        c.is_ascii_lowercase()
            || c.is_ascii_digit()
            || matches!(c, b'_' | b'-' | b'*' | b'/' | b'@')
    });
    if first_ok && rest_ok && b.len() <= MAX_KEY {
        Ok(())
    } else {
        Err(TraceStateError::Key)
    }
}

/// `value = 0*255(chr) nblk-chr`, `nblk-chr = %x21-2B / %x2D-3C / %x3E-7E`,
/// `chr = %x20 / nblk-chr`.
fn check_value(value: &str) -> Result<(), TraceStateError> {
    let b = value.as_bytes();
    let chars_ok = b
        .iter()
        .all(|&c| matches!(c, 0x20..=0x7e) && c != b',' && c != b'=');
    let last_ok = matches!(b.last(), Some(&c) if c != b' ');
    if chars_ok && last_ok && b.len() <= MAX_VALUE {
        Ok(())
    } else {
        Err(TraceStateError::Value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "std")]
    use std::{format, string::String, vec, vec::Vec};

    #[test]
    fn trim_ows_strips_spaces_and_tabs_only() {
        assert_eq!(trim_ows(b" \t a \t"), b"a");
        assert_eq!(trim_ows(b"\n a"), b"\n a");
        assert_eq!(trim_ows(b" \t "), b"");
    }

    #[test]
    fn hex_value_reads_lower_case_digits() {
        assert_eq!(hex_value(b"00ff"), 0xff);
        assert_eq!(hex_value(b"ffffffffffffffffffffffffffffffff"), u128::MAX);
        assert_eq!(hex_value(b"0123456789abcdef"), 0x0123_4567_89ab_cdef);
    }

    #[cfg(feature = "std")]
    #[test]
    fn truncation_drops_long_entries_first_then_from_the_right() {
        let long = ["a=", &"x".repeat(200)].concat();
        let short: Vec<String> = (0..30)
            .map(|i| format!("k{i:02}={}", "v".repeat(20)))
            .collect();
        let mut values: Vec<&str> = vec![&long];
        values.extend(short.iter().map(String::as_str));
        let state = TraceState::parse_all(values.iter().copied()).unwrap();
        assert!(state.get("a").is_none(), "the long entry goes first");
        assert!(state.as_str().len() <= TraceState::CAPACITY);
        assert_eq!(state.get("k00"), Some("v".repeat(20).as_str()));
        // 30 entries of 24 bytes and 29 commas do not fit 512: the right ones go.
        let kept = state.len();
        assert_eq!(kept, (TraceState::CAPACITY + 1) / 25);
        assert!(state.get(&format!("k{:02}", kept - 1)).is_some());
        assert!(state.get(&format!("k{kept:02}")).is_none());
    }
}
