//! Notification streams: one bounded broadcast channel for all notifications, and one per
//! notification name that someone subscribed to, each made when its first stream is made and
//! dropped once its last stream is gone (a channel allocates its whole buffer up front, which
//! an idle client in a fleet should not pay for). The connection task only routes frames (a
//! reference-counted copy of the bytes); each stream decodes what it takes.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::broadcast;

use super::error::StreamError;
use crate::{lock, AnyNotification, DecodeError, Notification, ServerMessage};

/// A frame on the all-notifications channel.
#[derive(Clone)]
enum Frame {
    /// A notification (or what calls itself one), decoded by the reader.
    Message(Bytes),
    /// A frame that is not a message.
    Garbage(Bytes, Box<DecodeError>),
}

/// The channels of one client. Closed (`None`) once the client is closed for good, so every
/// stream then ends.
pub(crate) struct Hub {
    channels: Mutex<Option<Channels>>,
    capacity: usize,
    /// Notifications dropped for slow consumers, as the streams report them.
    lost: Arc<AtomicU64>,
}

struct Channels {
    /// The all-notifications channel, while someone streams it.
    all: Option<broadcast::Sender<Frame>>,
    by_event: HashMap<String, broadcast::Sender<Bytes>>,
}

impl Channels {
    /// The all-notifications channel, when someone still reads it (else it is dropped, and
    /// its buffer with it).
    fn all(&mut self) -> Option<&broadcast::Sender<Frame>> {
        if self.all.as_ref()?.receiver_count() == 0 {
            self.all = None;
        }
        self.all.as_ref()
    }
}

impl Hub {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            channels: Mutex::new(Some(Channels {
                all: None,
                by_event: HashMap::new(),
            })),
            capacity,
            lost: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Notifications dropped for slow consumers so far.
    pub(crate) fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Hands a notification to the streams that want it (nothing is kept when none does).
    pub(crate) fn publish(&self, event: Option<&str>, frame: &Bytes) {
        let mut channels = lock(&self.channels);
        let Some(channels) = channels.as_mut() else {
            return;
        };
        if let Some(all) = channels.all() {
            let _ = all.send(Frame::Message(frame.clone()));
        }
        if let Some(event) = event {
            if let Some(sender) = channels.by_event.get(event) {
                if sender.receiver_count() > 0 {
                    let _ = sender.send(frame.clone());
                } else {
                    channels.by_event.remove(event);
                }
            }
        }
    }

    /// Hands a frame that is not a message to the all-notifications streams.
    pub(crate) fn publish_garbage(&self, frame: &Bytes, error: DecodeError) {
        if let Some(all) = lock(&self.channels).as_mut().and_then(Channels::all) {
            let _ = all.send(Frame::Garbage(frame.clone(), Box::new(error)));
        }
    }

    /// Ends every stream.
    pub(crate) fn close(&self) {
        lock(&self.channels).take();
    }

    pub(crate) fn notifications(&self) -> Notifications {
        let receiver = lock(&self.channels).as_mut().map(|channels| {
            channels
                .all
                .get_or_insert_with(|| broadcast::channel(self.capacity).0)
                .subscribe()
        });
        let lost = Arc::clone(&self.lost);
        let stream = futures_util::stream::unfold(receiver, move |receiver| {
            let lost = Arc::clone(&lost);
            async move {
                let mut receiver = receiver?;
                let item = loop {
                    match receiver.recv().await {
                        Ok(Frame::Message(bytes)) => match decode_any(&bytes) {
                            Some(item) => break item,
                            None => continue,
                        },
                        Ok(Frame::Garbage(frame, error)) => {
                            break Err(StreamError::Garbage { error, frame })
                        }
                        Err(broadcast::error::RecvError::Lagged(count)) => {
                            break Err(lagged(&lost, count, None));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                };
                Some((item, Some(receiver)))
            }
        });
        Notifications(stream.boxed())
    }

    pub(crate) fn subscribe<N: Notification>(&self) -> Subscription<N> {
        let receiver = lock(&self.channels).as_mut().map(|channels| {
            channels
                .by_event
                .entry(N::EVENT.to_string())
                .or_insert_with(|| broadcast::channel(self.capacity).0)
                .subscribe()
        });
        let lost = Arc::clone(&self.lost);
        let stream = futures_util::stream::unfold(receiver, move |receiver| {
            let lost = Arc::clone(&lost);
            async move {
                let mut receiver = receiver?;
                let item = match receiver.recv().await {
                    Ok(bytes) => crate::from_slice::<N>(&bytes).map_err(StreamError::Decode),
                    Err(broadcast::error::RecvError::Lagged(count)) => {
                        Err(lagged(&lost, count, Some(N::EVENT)))
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                };
                Some((item, Some(receiver)))
            }
        });
        Subscription {
            stream: stream.boxed(),
            marker: PhantomData,
        }
    }
}

/// A stream's consumer lost the `count` oldest notifications: counts them in the client's
/// total, logs it (`event`: the subscription's notification, `None` for
/// [`Notifications`]), and returns what the stream yields for it.
fn lagged(lost: &AtomicU64, count: u64, event: Option<&'static str>) -> StreamError {
    lost.fetch_add(count, Ordering::Relaxed);
    match event {
        Some(event) => tracing::warn!(count, event, "subscription lagged: dropped the oldest"),
        None => tracing::warn!(count, "notification stream lagged: dropped the oldest"),
    }
    StreamError::Lagged(count)
}

/// A notification frame as `AnyNotification` (the reader routed it by `"method": "event"`,
/// which the decoder reads the same way, so a response cannot come out; were one to, it is
/// skipped with an error in the log rather than passed off as a notification).
fn decode_any(bytes: &[u8]) -> Option<Result<AnyNotification, StreamError>> {
    match ServerMessage::from_slice(bytes) {
        Ok(ServerMessage::Notification(notification)) => Some(Ok(notification)),
        Ok(ServerMessage::Response(response)) => {
            tracing::error!(
                method = response.method(),
                "a response on the notification stream, skipped"
            );
            None
        }
        Err(error) => Some(Err(StreamError::Decode(error))),
    }
}

/// Every notification, typed ([`AnyNotification`], with its `Untyped` and `Unknown` variants for
/// names the definitions do not type), in the order the Room sent them, from the moment it was
/// made ([`super::Client::notifications`]).
///
/// A `Stream` of `Result<AnyNotification, StreamError>`: a notification that does not decode,
/// a frame that is not a message, and notifications dropped because this consumer fell more
/// than the buffer behind each arrive as an error instead of vanishing. It ends when the
/// client is closed for good (or dropped).
pub struct Notifications(BoxStream<'static, Result<AnyNotification, StreamError>>);

impl Notifications {
    /// The next item; `None` once the client is closed.
    pub async fn recv(&mut self) -> Option<Result<AnyNotification, StreamError>> {
        self.0.next().await
    }
}

impl Stream for Notifications {
    type Item = Result<AnyNotification, StreamError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for Notifications {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Notifications")
    }
}

/// The notifications of one type `N`, decoded as `N`, from the moment of
/// [`super::Client::subscribe`]; it keeps working across reconnects. Errors as for
/// [`Notifications`] (except frames that are not messages, which only that stream sees).
pub struct Subscription<N> {
    stream: BoxStream<'static, Result<N, StreamError>>,
    marker: PhantomData<fn() -> N>,
}

impl<N: Notification> Subscription<N> {
    /// The next item; `None` once the client is closed.
    pub async fn recv(&mut self) -> Option<Result<N, StreamError>> {
        self.stream.next().await
    }
}

impl<N> Stream for Subscription<N> {
    type Item = Result<N, StreamError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

impl<N: Notification> fmt::Debug for Subscription<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Subscription<{}>", N::EVENT)
    }
}
