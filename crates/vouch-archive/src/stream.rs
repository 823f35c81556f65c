//! Single compressed streams: gzip, bzip2, xz, lzma, zlib, lz4 and joblib's `ZF` format.
//!
//! joblib compresses a whole pickle file with one of these, and tarballs come gzipped. Decoding
//! goes through [`crate::capped::drain`], so output is capped and ratio-checked; a stream that
//! breaks off yields what was decoded plus an [`Issue::Corrupt`].

use std::io::{self, Read};

use vouch_core::Limits;

use crate::archive::{Cap, finish};
use crate::capped::{Drained, MemberData, RatioGuard, Stop, Tap, TapState, drain, read_full};
use crate::kind::JOBLIB_ZF_LEN_FIELD;
use crate::{ArchiveError, ContainerKind, Issue};

/// Memory the LZMA and xz decoders may use for their dictionary, in KiB (xz -9 needs 64 MiB).
pub(crate) const LZMA_MEM_LIMIT_KB: u32 = 256 * 1024;

/// Decompresses one stream of `kind`, keeping at most `max` bytes of output (and never more
/// than `limits.max_member_bytes` or `limits.max_total_bytes`).
///
/// Decoding stops with [`Issue::Bomb`] when the output passes [`crate::BOMB_MIN_BYTES`] and
/// output / input exceeds `limits.max_ratio`. Corrupt or truncated data gives back what was
/// decoded so far with [`Issue::Corrupt`]; `Err` means the reader itself failed or `kind` is
/// not a stream kind. Concatenated gzip, bzip2, xz and lz4 streams are decoded as one.
pub fn decompress(
    kind: ContainerKind,
    reader: &mut dyn Read,
    max: u64,
    limits: &Limits,
) -> Result<MemberData, ArchiveError> {
    if !kind.is_stream() {
        return Err(ArchiveError::NotAStream { kind });
    }
    let state = TapState::default();
    let tap = Tap::new(reader, &state);
    let cap = Cap::new(max, limits, 0);
    let guard = RatioGuard {
        tap: &state,
        max_ratio: limits.max_ratio,
        base_out: 0,
    };
    let mut issues = Vec::new();
    let drained = match kind {
        ContainerKind::Gzip => run(flate2::read::MultiGzDecoder::new(tap), &cap, &guard),
        ContainerKind::Zlib => run(flate2::read::ZlibDecoder::new(tap), &cap, &guard),
        ContainerKind::Bzip2 => run(bzip2::read::MultiBzDecoder::new(tap), &cap, &guard),
        ContainerKind::Xz => run(
            lzma_rust2::XzReader::new_mem_limit(tap, true, LZMA_MEM_LIMIT_KB),
            &cap,
            &guard,
        ),
        ContainerKind::Lz4Frame => run(lz4_flex::frame::FrameDecoder::new(tap), &cap, &guard),
        ContainerKind::LzmaAlone => {
            match lzma_rust2::LzmaReader::new_mem_limit(tap, LZMA_MEM_LIMIT_KB, None) {
                Ok(decoder) => run(decoder, &cap, &guard),
                Err(e) => match state.take_error() {
                    Some(source) => Err(source),
                    None => Ok(broken(format!("its header is invalid: {e}"))),
                },
            }
        }
        ContainerKind::JoblibZf => joblib_zf(tap, &cap, &guard, &mut issues),
        ContainerKind::Zip | ContainerKind::Tar | ContainerKind::SevenZ => {
            return Err(ArchiveError::NotAStream { kind });
        }
    };
    let drained = drained.map_err(ArchiveError::io("reading a compressed stream"))?;
    let what = format!("{kind} stream");
    Ok(finish(drained, &cap, "", &what, None, issues))
}

fn run(mut decoder: impl Read, cap: &Cap, guard: &RatioGuard<'_>) -> io::Result<Drained> {
    drain(&mut decoder, cap.bytes, true, Some(guard), Some(guard.tap))
}

fn broken(detail: String) -> Drained {
    Drained {
        bytes: Vec::new(),
        produced: 0,
        stop: Stop::Corrupt(detail),
    }
}

/// joblib ZF: `ZF`, a 19-byte hex length field, one optional space, then zlib data.
fn joblib_zf(
    mut tap: Tap<'_, &mut dyn Read>,
    cap: &Cap,
    guard: &RatioGuard<'_>,
    issues: &mut Vec<Issue>,
) -> io::Result<Drained> {
    let mut header = [0u8; 2 + JOBLIB_ZF_LEN_FIELD + 1];
    let got = read_full(&mut tap, &mut header)?;
    let Some((b"ZF", rest)) = header.get(..got).map(|h| h.split_at(2.min(h.len()))) else {
        return Ok(broken("joblib ZF header missing".to_owned()));
    };
    let Some(field) = rest.get(..JOBLIB_ZF_LEN_FIELD) else {
        return Ok(broken("joblib ZF header truncated".to_owned()));
    };
    let declared = std::str::from_utf8(field)
        .ok()
        .map(|s| s.trim_end().trim_end_matches('L'))
        .and_then(|s| s.strip_prefix("0x"))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok());
    if declared.is_none() {
        issues.push(Issue::corrupt(format!(
            "joblib ZF length field {:?} is not a hex number",
            String::from_utf8_lossy(field)
        )));
    }
    // The byte after the field is either a padding space (old writers) or zlib's first byte.
    let extra: &[u8] = match rest.get(JOBLIB_ZF_LEN_FIELD..) {
        Some(b" ") | None => &[],
        Some(other) => other,
    };
    let mut decoder = flate2::read::ZlibDecoder::new(extra.chain(tap));
    let drained = drain(&mut decoder, cap.bytes, true, Some(guard), Some(guard.tap))?;
    if let (Some(declared), Stop::End) = (declared, &drained.stop)
        && declared != drained.produced
    {
        issues.push(Issue::corrupt(format!(
            "joblib ZF header declares {declared} bytes but the stream holds {}",
            drained.produced
        )));
    }
    Ok(drained)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sniff;
    use crate::testutil::*;

    const STREAMS: [ContainerKind; 7] = [
        ContainerKind::Gzip,
        ContainerKind::Zlib,
        ContainerKind::Bzip2,
        ContainerKind::Xz,
        ContainerKind::LzmaAlone,
        ContainerKind::Lz4Frame,
        ContainerKind::JoblibZf,
    ];

    fn pickle_like() -> Vec<u8> {
        let mut p = b"\x80\x04\x95".to_vec();
        for i in 0..20_000u32 {
            p.extend_from_slice(format!("K{}", i % 97).as_bytes());
        }
        p.push(b'.');
        p
    }

    #[test]
    fn every_stream_kind_round_trips_and_is_sniffed() {
        let data = pickle_like();
        for kind in STREAMS {
            let compressed = compress(kind, &data);
            assert_eq!(
                sniff(&compressed[..compressed.len().min(512)]),
                Some(kind),
                "{kind}"
            );
            let d = decompress(kind, &mut compressed.as_slice(), u64::MAX, &limits()).unwrap();
            assert_eq!(d.issues, [], "{kind}");
            assert!(!d.truncated, "{kind}");
            assert_eq!(d.bytes, data, "{kind}");
        }
    }

    #[test]
    fn concatenated_gzip_members_are_all_decoded() {
        let mut both = compress(ContainerKind::Gzip, b"first ");
        both.extend(compress(ContainerKind::Gzip, b"second"));
        let d = decompress(ContainerKind::Gzip, &mut both.as_slice(), 100, &limits()).unwrap();
        assert_eq!(d.bytes, b"first second");
    }

    #[test]
    fn truncated_streams_give_partial_bytes_and_corrupt() {
        let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
        for kind in STREAMS {
            let compressed = compress(kind, &data);
            let half = &compressed[..compressed.len() / 2];
            let d = decompress(kind, &mut &half[..], u64::MAX, &limits()).unwrap();
            assert!(has(&d.issues, "corrupt"), "{kind}: {:?}", d.issues);
            assert!(d.bytes.len() < data.len(), "{kind}");
            assert_eq!(
                d.bytes[..],
                data[..d.bytes.len()],
                "{kind}: decoded prefix is right"
            );
            if kind == ContainerKind::Gzip {
                assert!(!d.bytes.is_empty(), "gzip yields the decoded prefix");
            }
        }
    }

    #[test]
    fn bombs_stop_decoding() {
        let zeros = vec![0u8; 10 << 20];
        let limits = Limits {
            max_ratio: 100,
            ..limits()
        };
        for kind in STREAMS {
            let compressed = compress(kind, &zeros);
            let d = decompress(kind, &mut compressed.as_slice(), u64::MAX, &limits).unwrap();
            assert!(d.truncated, "{kind}");
            assert!(d.bytes.len() < zeros.len(), "{kind}");
            assert!(
                matches!(&d.issues[..], [Issue::Bomb { name, ratio, .. }] if name.is_empty() && *ratio > 100),
                "{kind}: {:?}",
                d.issues
            );
        }
    }

    #[test]
    fn caps_and_limits() {
        let data = vec![b'z'; 5000];
        let gz = compress(ContainerKind::Gzip, &data);
        let d = decompress(ContainerKind::Gzip, &mut gz.as_slice(), 100, &limits()).unwrap();
        assert_eq!((d.bytes.len(), d.truncated, d.issues.len()), (100, true, 0));
        let small = Limits {
            max_member_bytes: 1000,
            ..limits()
        };
        let d = decompress(ContainerKind::Gzip, &mut gz.as_slice(), u64::MAX, &small).unwrap();
        assert_eq!(d.bytes.len(), 1000);
        assert_eq!(
            d.issues,
            [Issue::MemberTooLarge {
                name: String::new(),
                size: 1001,
                limit: 1000
            }]
        );
        let d = decompress(ContainerKind::Gzip, &mut gz.as_slice(), 5000, &limits()).unwrap();
        assert_eq!((d.bytes.len(), d.truncated), (5000, false));
    }

    #[test]
    fn wrong_kind_and_failing_reader() {
        let err = decompress(ContainerKind::Zip, &mut &b""[..], 1, &limits()).unwrap_err();
        assert!(matches!(
            err,
            ArchiveError::NotAStream {
                kind: ContainerKind::Zip
            }
        ));

        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk on fire"))
            }
        }
        for kind in STREAMS {
            let err = decompress(kind, &mut Failing, 100, &limits()).unwrap_err();
            assert!(matches!(err, ArchiveError::Io { .. }), "{kind}: {err}");
        }
    }

    #[test]
    fn joblib_zf_length_is_checked() {
        let mut zf = b"ZF".to_vec();
        zf.extend_from_slice(format!("{:<19}", "0x99").as_bytes());
        zf.extend(compress(ContainerKind::Zlib, b"abc"));
        let d = decompress(ContainerKind::JoblibZf, &mut zf.as_slice(), 100, &limits()).unwrap();
        assert_eq!(d.bytes, b"abc");
        assert!(corrupt_details(&d.issues)[0].contains("declares 153 bytes"));
        // The one-space-wider header of old writers.
        let mut wide = b"ZF".to_vec();
        wide.extend_from_slice(format!("{:<20}", "0x3").as_bytes());
        wide.extend(compress(ContainerKind::Zlib, b"abc"));
        let d = decompress(
            ContainerKind::JoblibZf,
            &mut wide.as_slice(),
            100,
            &limits(),
        )
        .unwrap();
        assert_eq!((d.bytes.as_slice(), d.issues.len()), (&b"abc"[..], 0));
    }

    #[test]
    fn garbage_is_corrupt_not_an_error() {
        for kind in STREAMS {
            for junk in [&b""[..], b"\x00", b"not compressed at all, just text"] {
                let d = decompress(kind, &mut &junk[..], 100, &limits()).unwrap();
                assert!(d.bytes.len() <= 100, "{kind}");
                if !junk.is_empty() {
                    assert!(has(&d.issues, "corrupt"), "{kind} {junk:?}: {:?}", d.issues);
                }
            }
        }
    }
}
