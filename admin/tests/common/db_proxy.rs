//! A TCP proxy between an admin and its database, to cut the database away and give it back:
//! [`DbProxy::cut`] closes every live connection and stops listening (new connections are
//! refused, as when MariaDB restarts), [`DbProxy::restore`] listens again on the same port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running proxy on `127.0.0.1:<port>` forwarding to one upstream address.
pub struct DbProxy {
    /// Where the admin connects.
    pub address: SocketAddr,
    upstream: SocketAddr,
    up: Mutex<Option<Up>>,
}

/// One period during which the proxy listens: its accept task and the token that ends it and
/// every connection it accepted.
struct Up {
    stop: CancellationToken,
    accept: JoinHandle<()>,
}

impl DbProxy {
    /// Starts forwarding to the host and port of `server_url` (`mysql://user@host:port/db`).
    pub async fn start(server_url: &str) -> Self {
        let host_port = authority(server_url).1;
        let upstream = tokio::net::lookup_host(host_port)
            .await
            .expect("resolve the database host")
            .next()
            .expect("an address for the database host");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let address = listener.local_addr().expect("proxy address");
        let proxy = Self {
            address,
            upstream,
            up: Mutex::new(None),
        };
        proxy.listen(listener);
        proxy
    }

    /// `url` with its host and port replaced by the proxy's (user, database, query kept).
    pub fn url_through(&self, url: &str) -> String {
        let (start, host_port) = authority(url);
        format!(
            "{}{}{}",
            &url[..start],
            self.address,
            &url[start + host_port.len()..]
        )
    }

    /// The database is gone: every live connection is closed at once and new ones are
    /// refused until [`DbProxy::restore`].
    pub async fn cut(&self) {
        let up = self.up.lock().unwrap().take();
        if let Some(up) = up {
            up.stop.cancel();
            // The accept task owns the listener: once it ends, the port refuses connections.
            let _ = up.accept.await;
        }
    }

    /// The database is back, on the same address.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.address)
            .await
            .expect("listen again on the proxy's port");
        self.listen(listener);
    }

    fn listen(&self, listener: TcpListener) {
        let stop = CancellationToken::new();
        let accept = tokio::spawn(accept_loop(listener, self.upstream, stop.clone()));
        *self.up.lock().unwrap() = Some(Up { stop, accept });
    }
}

impl Drop for DbProxy {
    fn drop(&mut self) {
        if let Some(up) = self.up.lock().unwrap().take() {
            up.stop.cancel();
        }
    }
}

async fn accept_loop(listener: TcpListener, upstream: SocketAddr, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((client, _)) = accepted else { continue };
        tokio::spawn(forward(client, upstream, stop.clone()));
    }
}

/// Copies both ways until either side closes or the proxy is cut (then both sockets drop).
async fn forward(mut client: TcpStream, upstream: SocketAddr, stop: CancellationToken) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        () = stop.cancelled() => {}
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
    }
}

/// The byte offset where the host starts in `url` and the `host:port` text.
fn authority(url: &str) -> (usize, &str) {
    let scheme_end = url.find("://").map(|i| i + 3).expect("a URL with a scheme");
    let rest = &url[scheme_end..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_start = authority.rfind('@').map(|i| i + 1).unwrap_or(0);
    (scheme_end + host_start, &authority[host_start..])
}
