//! The order of the keys of each kind of object the contacts decoder
//! reads, learned as it reads them (see [`Keys`]).

/// The keys of one kind of object (a contact, a phone…) in the order
/// they came last time: Xero writes its keys in the same order in every
/// object of a kind, so the next key is most often the one that followed
/// the previous one, and can be recognised by comparing its bytes
/// instead of scanning them
/// ([`Lexer::key_as`](super::lexer::Lexer::key_as)). Learned as keys are
/// read (at most [`Self::MAX`] of them); a key that does not come as
/// expected is read as any other and moves the expectation after it.
#[derive(Debug, Default)]
pub(super) struct Keys {
    /// Each key as it is written (`"Name":`), and its text.
    order: Vec<(Box<[u8]>, Box<str>)>,
    /// Where in `order` the next key is expected.
    next: usize,
}

impl Keys {
    /// Keys learned per kind of object, at most: enough for every key
    /// Xero writes in a contact, and a bound on the search past a
    /// surprise.
    const MAX: usize = 64;

    /// The key expected next, as it is written (`"Name":`).
    #[inline]
    pub(super) fn expected(&self) -> Option<&[u8]> {
        self.order.get(self.next).map(|(written, _)| &**written)
    }

    /// The key expected came: its text; the one after it is expected.
    #[inline]
    pub(super) fn take(&mut self) -> Option<&str> {
        let n = self.next;
        self.next = n + 1;
        self.order.get(n).map(|(_, k)| &**k)
    }

    /// A new object of this kind starts: its first key is expected.
    #[inline]
    pub(super) const fn start(&mut self) {
        self.next = 0;
    }

    /// Key `k` came, not as expected: expect the key that followed it
    /// last time, or learn it here. A key holding a quote, a backslash or
    /// a control character (it came escaped) is not learned: its text is
    /// not how it is written.
    pub(super) fn learn(&mut self, k: &str) {
        if let Some(p) = self.order.iter().position(|(_, o)| **o == *k) {
            self.next = p + 1;
        } else if self.order.len() < Self::MAX
            && k.bytes().all(|b| b != b'"' && b != b'\\' && b >= 0x20)
        {
            let at = self.next.min(self.order.len());
            let written = format!("\"{k}\":").into_bytes().into_boxed_slice();
            self.order.insert(at, (written, k.into()));
            self.next = at + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_learned_are_bounded_and_never_escaped_text() {
        let mut keys = Keys::default();
        for n in 0..200 {
            keys.learn(&format!("k{n}"));
        }
        assert_eq!(keys.order.len(), Keys::MAX);
        let mut keys = Keys::default();
        for k in ["a\"b", "a\\b", "a\nb", "ok"] {
            keys.learn(k);
        }
        assert_eq!(keys.order.len(), 1);
        assert_eq!(&*keys.order[0].0, b"\"ok\":");
    }
}
