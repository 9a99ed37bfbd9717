//! Text frames through tungstenite whatever their bytes: a reading adapter under the WebSocket
//! that hands every data message to tungstenite as binary and remembers, in order, which ones
//! the peer sent as text.
//!
//! tungstenite refuses a text message that is not UTF-8 (RFC 6455 says an endpoint must fail
//! the connection), and its error keeps only a lossy copy. The proxy must carry such a message
//! unchanged, so it does not let tungstenite see text frames at all: this adapter follows the
//! frame headers of the incoming bytes (parsed by tungstenite's own
//! [`FrameHeader::parse`]) and turns the opcode of each first frame of a text message (1) into
//! binary (2) before tungstenite reads it. Nothing else changes — the payload, its mask and
//! every other frame pass as they came — and [`Kinds`] says which messages were text, so the
//! relay sends each one on as text again: as a text message when it is UTF-8, and as a raw text
//! frame with the same bytes when it is not.

use std::collections::VecDeque;
use std::io::Cursor;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::frame::FrameHeader;

use crate::lock;

/// The WebSocket opcodes the tap looks at (RFC 6455 §5.2).
const TEXT: u8 = 0x1;
const BINARY: u8 = 0x2;

/// The longest frame header: 2 bytes, 8 of length, 4 of mask.
const MAX_HEADER: usize = 14;

/// Which data messages, in the order they arrived, the peer sent as text (`true`) or binary.
///
/// The tap pushes one entry per message as it reads the message's first frame; the relay pops
/// one per message tungstenite hands over. The tap runs at most tungstenite's read buffer
/// ahead of it, so the queue holds at most that many bytes' worth of (two-byte) frames.
#[derive(Debug, Default, Clone)]
pub(super) struct Kinds(Arc<Mutex<VecDeque<bool>>>);

impl Kinds {
    /// Whether the next message was sent as text; `None` when the tap saw no such message
    /// (it lost track of the frames, which tungstenite then fails on too).
    pub(super) fn next_is_text(&self) -> Option<bool> {
        lock(&self.0).pop_front()
    }

    fn push(&self, text: bool) {
        lock(&self.0).push_back(text);
    }
}

/// Where the tap is in the frame it reads.
#[derive(Debug)]
enum Scan {
    /// Reading a header: the bytes so far.
    Header { bytes: [u8; MAX_HEADER], len: usize },
    /// Passing the payload: bytes left.
    Payload(u64),
    /// A header tungstenite refuses too: the connection fails there, so stop looking.
    Lost,
}

impl Scan {
    fn header() -> Self {
        Scan::Header {
            bytes: [0; MAX_HEADER],
            len: 0,
        }
    }
}

/// An IO stream whose incoming text frames read as binary (see the module docs).
#[derive(Debug)]
pub(super) struct Tap<S> {
    inner: S,
    scan: Scan,
    kinds: Kinds,
}

impl<S> Tap<S> {
    /// Wraps `inner`, which must be positioned at the first frame (right after the handshake).
    pub(super) fn new(inner: S, kinds: Kinds) -> Self {
        Self {
            inner,
            scan: Scan::header(),
            kinds,
        }
    }

    /// Follows the frames through `bytes` (just read), rewriting text opcodes in place.
    fn follow(&mut self, bytes: &mut [u8]) {
        let mut at = 0;
        while at < bytes.len() {
            match &mut self.scan {
                Scan::Lost => return,
                Scan::Payload(left) => {
                    let available = bytes.len() - at;
                    let skip = usize::try_from(*left).map_or(available, |left| left.min(available));
                    *left -= skip as u64;
                    if *left == 0 {
                        self.scan = Scan::header();
                    }
                    at += skip;
                }
                Scan::Header { bytes: header, len } => {
                    let byte = &mut bytes[at];
                    if *len == 0 {
                        // The first byte of a frame: FIN, RSV and the opcode. Only a message's
                        // first frame has a data opcode; continuations have 0.
                        match *byte & 0x0F {
                            TEXT => {
                                *byte = (*byte & 0xF0) | BINARY;
                                self.kinds.push(true);
                            }
                            BINARY => self.kinds.push(false),
                            _ => {}
                        }
                    }
                    header[*len] = *byte;
                    *len += 1;
                    at += 1;
                    if *len < header_len(&header[..*len]) {
                        continue;
                    }
                    let parsed = FrameHeader::parse(&mut Cursor::new(&header[..*len]));
                    self.scan = match parsed {
                        Ok(Some((_, 0))) => Scan::header(),
                        Ok(Some((_, payload))) => Scan::Payload(payload),
                        // Cannot be short with the length computed above; a reserved opcode
                        // is an error tungstenite fails the connection on too.
                        Ok(None) | Err(_) => Scan::Lost,
                    };
                }
            }
        }
    }
}

/// How long the header starting with `bytes` is, as far as they tell (2 until the second
/// byte gives the length format and the mask bit).
fn header_len(bytes: &[u8]) -> usize {
    match bytes.get(1) {
        None => 2,
        Some(second) => {
            let length = match second & 0x7F {
                126 => 2,
                127 => 8,
                _ => 0,
            };
            let mask = if second & 0x80 != 0 { 4 } else { 0 };
            2 + length + mask
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let read = &mut buf.filled_mut()[before..];
            this.follow(read);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `wire` to a tap in chunks of `chunk` bytes; the bytes as tungstenite would read
    /// them and the kinds.
    fn through(wire: &[u8], chunk: usize) -> (Vec<u8>, Vec<bool>) {
        let kinds = Kinds::default();
        let mut tap = Tap::new((), kinds.clone());
        let mut out = wire.to_vec();
        for piece in out.chunks_mut(chunk) {
            tap.follow(piece);
        }
        let mut seen = Vec::new();
        while let Some(text) = kinds.next_is_text() {
            seen.push(text);
        }
        (out, seen)
    }

    #[test]
    fn text_opcodes_become_binary_and_nothing_else_changes() {
        let mut wire = Vec::new();
        // A masked text frame "hi" (mask 1,2,3,4), a ping, an unmasked binary frame, a text
        // frame of 300 bytes (16-bit length) split in two fragments, and a close frame.
        wire.extend([0x81, 0x82, 1, 2, 3, 4, b'h' ^ 1, b'i' ^ 2]);
        wire.extend([0x89, 0x00]);
        wire.extend([0x82, 0x03, 0xFF, 0xFE, 0x81]);
        wire.extend([0x01, 0x7E, 0x00, 0xC8]);
        wire.extend([0x81; 200]);
        wire.extend([0x80, 0x7E, 0x00, 0x64]);
        wire.extend([0x01; 100]);
        wire.extend([0x88, 0x02, 0x03, 0xE8]);
        for chunk in [1, 2, 3, 7, 1000] {
            let (out, kinds) = through(&wire, chunk);
            assert_eq!(kinds, [true, false, true], "chunks of {chunk}");
            let mut expected = wire.clone();
            expected[0] = 0x82;
            expected[15] = 0x02;
            assert_eq!(out, expected, "chunks of {chunk}");
        }
    }

    #[test]
    fn a_reserved_opcode_stops_the_tap() {
        let (out, kinds) = through(&[0x83, 0x00, 0x81, 0x00], 4);
        assert_eq!(out, [0x83, 0x00, 0x81, 0x00]);
        assert!(kinds.is_empty());
    }
}
