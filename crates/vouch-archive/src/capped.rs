//! Reading decoded bytes under a cap, watching the compression ratio as they come.
//!
//! Every decoder in this crate is driven through [`drain`]: memory grows only with bytes really
//! produced (never with a size the data declares), never past the cap, and decoding stops as
//! soon as the output-to-input ratio says "bomb". A [`Tap`] between the file and the decoder
//! counts the compressed bytes consumed and tells a failing reader (an `Err`) apart from
//! broken data (an [`crate::Issue::Corrupt`]).

use std::cell::{Cell, RefCell};
use std::io::{self, Read, Seek, SeekFrom};

use crate::issue::BOMB_MIN_BYTES;

/// Decoded bytes of one member or stream, and what went wrong while getting them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberData {
    /// The bytes read: all of the member, or its first bytes when `truncated`.
    pub bytes: Vec<u8>,
    /// True when `bytes` is not the whole member: the cap was hit, or decoding stopped at a
    /// bomb or at a limit (see `issues`). Corrupt data that simply ends early is not
    /// `truncated`; it carries an [`crate::Issue::Corrupt`] instead.
    pub truncated: bool,
    /// Issues found while reading: CRC mismatch, early end, bomb, limits hit.
    pub issues: Vec<crate::Issue>,
}

/// Size of the buffer decoders are read through.
const CHUNK: usize = 64 * 1024;

/// Shared state of a [`Tap`]: compressed bytes consumed, and the reader's own failure if any.
#[derive(Debug, Default)]
pub(crate) struct TapState {
    consumed: Cell<u64>,
    error: RefCell<Option<io::Error>>,
}

impl TapState {
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed.get()
    }

    /// The reader's own failure, if it had one: that is an I/O error, not corrupt data.
    pub(crate) fn take_error(&self) -> Option<io::Error> {
        self.error.borrow_mut().take()
    }
}

/// A pass-through reader that counts bytes and remembers the inner reader's errors.
pub(crate) struct Tap<'a, R> {
    inner: R,
    state: &'a TapState,
}

impl<'a, R> Tap<'a, R> {
    pub(crate) fn new(inner: R, state: &'a TapState) -> Self {
        Tap { inner, state }
    }

    fn record<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result
            && e.kind() != io::ErrorKind::Interrupted
        {
            *self.state.error.borrow_mut() = Some(io::Error::new(e.kind(), e.to_string()));
        }
        result
    }
}

impl<R: Read> Read for Tap<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let result = self.inner.read(buf);
        let n = self.record(result)?;
        let consumed = self.state.consumed.get().saturating_add(n as u64);
        self.state.consumed.set(consumed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Tap<'_, R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let result = self.inner.seek(pos);
        self.record(result)
    }
}

/// Watches output against the compressed input counted by a [`TapState`].
pub(crate) struct RatioGuard<'a> {
    pub(crate) tap: &'a TapState,
    pub(crate) max_ratio: u64,
    /// Output produced from the same compressed input before this drain (7z solid blocks).
    pub(crate) base_out: u64,
}

impl RatioGuard<'_> {
    /// `(size, compressed, ratio)` when `out` more bytes make a bomb.
    fn check(&self, out: u64) -> Option<(u64, u64, u64)> {
        let size = self.base_out.saturating_add(out);
        let compressed = self.tap.consumed();
        let ratio = size / compressed.max(1);
        (size > BOMB_MIN_BYTES && ratio > self.max_ratio).then_some((size, compressed, ratio))
    }
}

/// Why [`drain`] stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The data ended.
    End,
    /// `cap` bytes were read and more remain.
    Cap,
    /// The ratio guard fired: `(size, compressed, ratio)`.
    Bomb(u64, u64, u64),
    /// The decoder reported broken data.
    Corrupt(String),
}

/// What [`drain`] produced.
pub(crate) struct Drained {
    /// Kept bytes (empty when not keeping).
    pub(crate) bytes: Vec<u8>,
    /// Bytes produced, kept or not.
    pub(crate) produced: u64,
    pub(crate) stop: Stop,
}

/// Reads `r` until it ends, `cap` bytes were produced, the ratio guard fires or the data
/// breaks. Keeps the bytes when `keep`. Returns `Err` only when the tapped reader itself failed.
pub(crate) fn drain(
    r: &mut dyn Read,
    cap: u64,
    keep: bool,
    guard: Option<&RatioGuard<'_>>,
    tap: Option<&TapState>,
) -> io::Result<Drained> {
    let mut bytes = Vec::new();
    let mut produced: u64 = 0;
    // Small reads (a 512-byte head) must not pay for zeroing a whole chunk.
    // The buffer starts small and doubles while data keeps coming, up to CHUNK.
    let max_chunk = usize::try_from(cap).unwrap_or(usize::MAX).clamp(1, CHUNK);
    let mut chunk = max_chunk.min(4096);
    let mut buf = vec![0u8; chunk];
    let inner_error = |e: io::Error| -> io::Result<Stop> {
        match tap.and_then(TapState::take_error) {
            Some(inner) => Err(inner),
            None => Ok(Stop::Corrupt(e.to_string())),
        }
    };
    let stop = loop {
        let room = cap.saturating_sub(produced);
        if room == 0 {
            // Probe one byte to tell "exactly cap bytes" from "more than cap".
            let mut probe = [0u8; 1];
            break match read_retrying(r, &mut probe) {
                Ok(0) => Stop::End,
                Ok(_) => Stop::Cap,
                Err(e) => inner_error(e)?,
            };
        }
        let want = usize::try_from(room).unwrap_or(usize::MAX).min(chunk);
        let Some(window) = buf.get_mut(..want) else {
            break Stop::Corrupt("internal buffer error".to_owned());
        };
        let n = match read_retrying(r, window) {
            Ok(0) => break Stop::End,
            Ok(n) => n.min(want),
            Err(e) => break inner_error(e)?,
        };
        if keep && let Some(chunk) = window.get(..n) {
            grow_within(&mut bytes, n, cap);
            bytes.extend_from_slice(chunk);
        }
        produced = produced.saturating_add(n as u64);
        if n == want && chunk < max_chunk {
            chunk = (chunk * 2).min(max_chunk);
            buf.resize(chunk, 0);
        }
        if let Some((size, compressed, ratio)) = guard.and_then(|g| g.check(produced)) {
            break Stop::Bomb(size, compressed, ratio);
        }
    };
    // A decoder may swallow the reader's error and report bad data instead.
    if let Some(e) = tap.and_then(TapState::take_error) {
        return Err(e);
    }
    Ok(Drained {
        bytes,
        produced,
        stop,
    })
}

/// Reads until `buf` is full or the data ends; returns how many bytes were read.
pub(crate) fn read_full(r: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while let Some(rest) = buf.get_mut(got..) {
        if rest.is_empty() {
            break;
        }
        match r.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn read_retrying(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Makes room for `extra` more bytes, doubling as a `Vec` would but never past `cap`.
fn grow_within(bytes: &mut Vec<u8>, extra: usize, cap: u64) {
    let needed = bytes.len().saturating_add(extra);
    if needed <= bytes.capacity() {
        return;
    }
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    let target = bytes
        .capacity()
        .saturating_mul(2)
        .max(needed)
        .min(cap.max(needed));
    bytes.reserve_exact(target.saturating_sub(bytes.len()));
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("disk on fire"))
        }
    }

    #[test]
    fn caps_and_probes() {
        let data = vec![7u8; 1000];
        let d = drain(&mut data.as_slice(), 1000, true, None, None).unwrap();
        assert_eq!((d.bytes.len(), d.stop), (1000, Stop::End));
        let d = drain(&mut data.as_slice(), 999, true, None, None).unwrap();
        assert_eq!((d.bytes.len(), d.stop), (999, Stop::Cap));
        assert!(d.bytes.capacity() <= 999);
        let d = drain(&mut data.as_slice(), 0, true, None, None).unwrap();
        assert_eq!((d.bytes.len(), d.stop), (0, Stop::Cap));
        let d = drain(&mut data.as_slice(), 5000, false, None, None).unwrap();
        assert_eq!((d.bytes.len(), d.produced, d.stop), (0, 1000, Stop::End));
    }

    #[test]
    fn capacity_never_exceeds_cap() {
        let data = vec![1u8; 300_000];
        for cap in [1, 65_536, 65_537, 200_000, 299_999] {
            let d = drain(&mut data.as_slice(), cap, true, None, None).unwrap();
            assert_eq!(d.bytes.len() as u64, cap);
            assert!(d.bytes.capacity() as u64 <= cap, "cap {cap}");
        }
    }

    #[test]
    fn reader_failure_is_an_error_decoder_failure_is_corrupt() {
        let state = TapState::default();
        let mut tap = Tap::new(Failing, &state);
        assert!(drain(&mut tap, 10, true, None, Some(&state)).is_err());

        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::InvalidData, "bad block"))
            }
        }
        let state = TapState::default();
        let d = drain(&mut Broken, 10, true, None, Some(&state)).unwrap();
        assert!(matches!(d.stop, Stop::Corrupt(m) if m.contains("bad block")));
    }

    #[test]
    fn ratio_guard_fires() {
        let state = TapState::default();
        let input = vec![0u8; 10];
        let mut tap = Tap::new(input.as_slice(), &state);
        let mut small = [0u8; 10];
        tap.read_exact(&mut small).unwrap();
        let guard = RatioGuard {
            tap: &state,
            max_ratio: 100,
            base_out: 0,
        };
        let zeros = vec![0u8; 3 << 20];
        let d = drain(&mut zeros.as_slice(), u64::MAX, true, Some(&guard), None).unwrap();
        assert!(matches!(d.stop, Stop::Bomb(size, 10, _) if size > BOMB_MIN_BYTES));
        assert!(d.bytes.len() < zeros.len());
    }
}
