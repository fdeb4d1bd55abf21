//! The reading side of [`Vault::get`](crate::Vault::get): a local file read ahead on a blocking thread,
//! and exact-length frames cut out of an object-store byte stream.

use crate::VaultError;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;

/// Blocks read ahead from a local file.
pub(crate) const READ_AHEAD_BLOCK: usize = 1024 * 1024;
pub(crate) const READ_AHEAD_BLOCKS: usize = 4;

/// Streams a local file in [`READ_AHEAD_BLOCK`] pieces read on a blocking thread, at most
/// [`READ_AHEAD_BLOCKS`] ahead of the consumer. Dropping the stream stops the thread.
pub(crate) fn read_ahead(
    mut file: std::fs::File,
) -> BoxStream<'static, object_store::Result<Bytes>> {
    use std::io::Read;
    let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD_BLOCKS);
    tokio::task::spawn_blocking(move || {
        loop {
            let mut block = vec![0u8; READ_AHEAD_BLOCK];
            let item = match file.read(&mut block) {
                Ok(0) => return,
                Ok(n) => {
                    block.truncate(n);
                    Ok(Bytes::from(block))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => Err(object_store::Error::Generic {
                    store: "LocalFileSystem",
                    source: Box::new(e),
                }),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed()
}

/// Reads exact-length frames out of an object-store byte stream.
pub(crate) struct ExactReader {
    stream: BoxStream<'static, object_store::Result<Bytes>>,
    pending: Bytes,
}

impl ExactReader {
    pub(crate) fn new(stream: BoxStream<'static, object_store::Result<Bytes>>) -> Self {
        ExactReader {
            stream,
            pending: Bytes::new(),
        }
    }

    pub(crate) async fn read(
        &mut self,
        key: &str,
        frame: &mut Vec<u8>,
        len: usize,
    ) -> Result<(), VaultError> {
        frame.clear();
        while frame.len() < len {
            if self.pending.is_empty() {
                match self.stream.next().await {
                    Some(Ok(bytes)) => self.pending = bytes,
                    Some(Err(e)) => return Err(VaultError::storage(key, e)),
                    None => {
                        return Err(VaultError::tampered(key, "object ended early: truncated"));
                    }
                }
            }
            let take = (len - frame.len()).min(self.pending.len());
            frame.extend_from_slice(&self.pending.split_to(take));
        }
        Ok(())
    }

    pub(crate) async fn expect_end(&mut self, key: &str) -> Result<(), VaultError> {
        while self.pending.is_empty() {
            match self.stream.next().await {
                Some(Ok(bytes)) => self.pending = bytes,
                Some(Err(e)) => return Err(VaultError::storage(key, e)),
                None => return Ok(()),
            }
        }
        Err(VaultError::tampered(
            key,
            "unexpected bytes after the final record",
        ))
    }
}
