//! A fake SMTP server on 127.0.0.1 that accepts every message and keeps it,
//! for tests of Siar's e-mail. It speaks the plain (no TLS) subset of SMTP a
//! client needs: greeting, EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as received.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as sent (dot-stuffing removed).
    pub data: String,
}

/// A running fake server.
#[derive(Clone)]
pub struct FakeSmtp {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<Received>>>,
}

impl FakeSmtp {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let messages: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = messages.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    break;
                };
                let store = store.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 fake.smtp ESMTP\r\n").await;
                    let mut cur = Received::default();
                    // Bounded: a session ends after 10,000 lines.
                    for _ in 0..10_000 {
                        let Ok(Some(line)) = lines.next_line().await else {
                            break;
                        };
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") {
                            b"250-fake.smtp\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                            b"250 OK\r\n"
                        } else if upper.starts_with("MAIL FROM:") {
                            cur = Received {
                                from: addr(&line[10..]),
                                ..Default::default()
                            };
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            cur.to.push(addr(&line[8..]));
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = w
                                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                                .await;
                            let mut data = String::new();
                            for _ in 0..100_000 {
                                let Ok(Some(l)) = lines.next_line().await else {
                                    break;
                                };
                                if l == "." {
                                    break;
                                }
                                data.push_str(l.strip_prefix('.').unwrap_or(&l));
                                data.push('\n');
                            }
                            cur.data = data;
                            store.lock().expect("lock").push(std::mem::take(&mut cur));
                            b"250 OK queued\r\n"
                        } else if upper.starts_with("RSET") {
                            cur = Received::default();
                            b"250 OK\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = w.write_all(b"221 Bye\r\n").await;
                            break;
                        } else {
                            b"502 Command not implemented\r\n"
                        };
                        if w.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { port, messages }
    }

    pub fn received(&self) -> Vec<Received> {
        self.messages.lock().expect("lock").clone()
    }
}

fn addr(s: &str) -> String {
    s.trim()
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap_or("")
        .to_string()
}
