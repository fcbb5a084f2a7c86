//! Seeded synthetic contacts for ledgerlink's benchmarks and examples.
//!
//! A workspace member that is never published: ledgerlink lists it as a
//! dev-dependency, so benches and examples `use ledgerlink_synth::...`.
//!
//! [`generate`] makes a local list (the firm's contacts) and a remote list
//! (a ledger's records) from a seed. The same seed and sizes always give the
//! same rows, whatever the number of threads. No dependencies: the random
//! numbers come from splitmix64, and every row is a pure function of
//! `(seed, side, row number)`, so rows are made on all cores with
//! `std::thread::scope`.
//!
//! What the data looks like:
//!
//! - people (first + last name; a local display name sometimes) and
//!   organisations with legal forms (`Ltd`, `Pty Ltd`, `LLC`, `Trust`,
//!   `Holdings`, `& Co`…), couples filing jointly (`Jane & Tom Smith`),
//!   partnerships (`Smith, Jones & Co`), quoted trading names
//!   (`The "Harbour" Bakery Co`);
//! - noise that must not change a match: upper / lower case, leading,
//!   trailing and doubled spaces, tabs, no-break spaces, NFD-decomposed
//!   accents (`Jose\u{301}`), fullwidth letters (`ＡＣＭＥ`), emails in
//!   mixed case with stray spaces;
//! - shared emails (a bookkeeper's address used by several clients, couples
//!   sharing one address), missing and invalid emails, duplicate contacts on
//!   the local side and duplicate records on the remote side, names that
//!   deliberately collide (`John Smith`);
//! - addresses with commas, quotes and, rarely, a line break, so CSV quoting
//!   is exercised.
//!
//! How the remote side overlaps the local side, by construction, per remote
//! row ([`RemoteKind`]):
//!
//! | share | remote row |
//! |---|---|
//! | 64.5% | a local contact again: same name and email after noise |
//! | 6.5% | same name, other or no email (name-only) |
//! | 6.5% | same email, other name (email-only) |
//! | 19.5% | a contact the local side does not have |
//! | 1.5% | QBO-unmatchable: display name ≠ company name, no first / last |
//! | 1% | the previous row's local contact again (remote duplicate) |
//! | 0.5% | no name at all, only an email |
//!
//! With the noise on top (missing / invalid emails on either side,
//! duplicates, shared emails, common names) a batch classification under
//! the Xero profile comes out at about 60% full matches, 18% partial, 2.5%
//! ambiguous and 19% no match; under QBO a further 2% are unmatchable.
//!
//! [`near_pairs`] makes a labelled evaluation set for the near-duplicate
//! guard (M11): pairs of a local contact and a remote record written
//! differently (typos, swapped names, initials, accents, legal forms,
//! punctuation) or belonging to someone else with a confusable name.
//!
//! Names are unique by construction (a keyed permutation of the entity
//! number, not random draws) up to about 2.6M people and 15M organisations,
//! apart from the deliberate collisions; so the "new" records really are
//! new even at 1M × 1M.

use std::io::{self, Write};

mod near;
pub use near::{NearCategory, NearPair, NearQuery, near_labelled_set, near_pairs};

use ledgerlink::Contact;
use ledgerlink::model::{Address, AddressKind, ContactKind, PhoneKind};

// ---------------------------------------------------------------------------
// Random numbers
// ---------------------------------------------------------------------------

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The splitmix64 finaliser: a bijection on `u64` that mixes every bit.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A splitmix64 generator: tiny, fast, good enough for test data.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started from `seed`.
    pub(crate) const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// A number in `0..n` (`0` when `n` is 0), by Lemire's multiply-shift.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        // The product's high half is below `n`, which is a usize.
        #[allow(clippy::cast_possible_truncation)]
        let r = ((u128::from(self.next_u64()) * n as u128) >> 64) as usize;
        r
    }

    /// True with probability `p` / 1000.
    pub(crate) fn per_mille(&mut self, p: usize) -> bool {
        self.below(1000) < p
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }
}

/// An independent generator for one purpose (`tag`) and one number.
fn stream(seed: u64, tag: u64, i: u64) -> SplitMix64 {
    SplitMix64::new(mix64(seed ^ mix64(tag.wrapping_mul(GOLDEN) ^ mix64(i))))
}

/// A keyed pseudo-random permutation of `0..n` (4-round Feistel network
/// with cycle walking): distinct inputs below `n` give distinct outputs.
/// Inputs at or above `n` wrap around.
fn permute(i: u64, n: u64, key: u64) -> u64 {
    if n <= 1 {
        return 0;
    }
    let bits = 64 - (n - 1).leading_zeros();
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut x = i % n;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = mix64(r ^ key ^ round.wrapping_mul(GOLDEN)) & mask;
            (l, r) = (r, l ^ f);
        }
        x = (l << half) | r;
        if x < n {
            return x;
        }
    }
}

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
    "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Dorothy", "Kevin", "Carol", "Brian",
    "Amanda", "George", "Melissa", "Edward", "Deborah", "Ronald", "Stephanie", "Timothy",
    "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Kathleen",
    "Gary", "Amy", "Nicholas", "Shirley", "Eric", "Angela", "Jonathan", "Helen", "Stephen", "Anna",
    "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Emma", "Benjamin",
    "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Frank", "Debra", "Alexander",
    "Rachel", "Raymond", "Catherine", "Patrick", "Carolyn", "Jack", "Janet", "Dennis", "Ruth",
    "Jerry", "Maria", "Tyler", "Heather", "Aaron", "Diane", "Henry", "Virginia", "Adam", "Julie",
    "Peter", "Joyce", "Nathan", "Victoria", "Zachary", "Olivia", "Kyle", "Kelly", "Walter",
    "Christina", "Harold", "Lauren", "Jeremy", "Joan", "Ethan", "Evelyn", "Carl", "Judith",
    "Keith", "Megan", "Roger", "Cheryl", "Gerald", "Andrea", "Christian", "Hannah", "Terry",
    "Martha", "Sean", "Jacqueline", "Arthur", "Frances", "Austin", "Gloria", "Noah", "Ann",
    "Lawrence", "Teresa", "Jesse", "Kathryn", "Joe", "Sara", "Bryan", "Janice", "Billy", "Jean",
    "Jordan", "Alice", "Albert", "Madison", "Dylan", "Doris", "Bruce", "Abigail", "Willie",
    "Julia", "Gabriel", "Judy", "Alan", "Grace", "Juan", "Denise", "Logan", "Amber", "Wayne",
    "Marilyn", "Ralph", "Beverly", "Roy", "Danielle", "Eugene", "Theresa", "Randy", "Sophia",
    "Vincent", "Marie", "Russell", "Diana", "Louis", "Brittany", "Philip", "Natalie", "Bobby",
    "Isabella", "Johnny", "Charlotte", "Bradley", "Rose", "Aroha", "Tane", "Wiremu", "Mere",
    "Hemi", "Ngaio", "Priya", "Rahul", "Aisha", "Wei", "Mei", "Hiroshi", "Yuki", "Ivan", "Olga",
    "Sven", "Ingrid", "Lars", "Astrid", "Niamh", "Siobhan", "Ciaran", "Declan", "Aoife",
    // Non-ASCII given names.
    "José", "Zoë", "François", "Chloé", "Renée", "Björn", "Søren", "Łukasz", "Siân", "Anaïs",
    "Jürgen", "Ángel", "Inés", "Noémie", "Ömer", "Hélène", "Agnès", "Begoña", "Raúl", "Sebastián",
    "Andrés", "Mónica", "Dóra", "Márta", "Jiří", "Tomáš", "Zdeněk", "Małgorzata", "Håkon",
    "Øystein", "Åsa", "Linnéa", "Maëlle", "Gaël", "Loïc", "Céline", "Jérôme", "Thérèse", "Léa",
    "Tūī", "Mākere",
];

#[rustfmt::skip]
const REAL_SURNAMES: &[&str] = &[
    "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Wilson", "Evans", "Thomas",
    "Johnson", "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards",
    "Green", "Hall", "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke", "Clark", "Turner",
    "Hill", "Scott", "Cooper", "Morris", "Ward", "Moore", "King", "Watson", "Baker", "Harrison",
    "Morgan", "Patel", "Young", "Allen", "Mitchell", "James", "Anderson", "Phillips", "Lee", "Bell",
    "Parker", "Davis", "Miller", "O'Brien", "O'Connor", "MacDonald", "McKenzie", "Ngata",
    "Tamihana", "Singh", "Chen", "Wang", "Li", "Zhang", "Tanaka", "Suzuki", "Kim", "Park", "Ivanov",
    "Kowalski", "Van der Berg", "De Vries", "Du Plessis", "Fitzgerald", "Murphy", "Kelly", "Byrne",
    "Ryan", "Walsh", "Doyle", "Quinn",
    // Non-ASCII family names.
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Gómez", "Núñez", "Muñoz", "Jiménez", "Fernández", "Álvarez", "Müller", "Schröder", "Schäfer",
    "Köhler", "Strauß", "Weiß", "Groß", "Böhm", "Jørgensen", "Sørensen", "Dvořák", "Novák",
    "Kovács", "Çelik", "Öztürk", "Lefèvre", "Béranger", "Lévesque", "Nguyễn", "Trần", "Lê",
    "Ó Súilleabháin", "Pōmare", "Tāwhiao", "Wałęsa", "Håkansson",
];

/// Invented English-looking family and place names are a prefix and a
/// suffix ("Ash" + "ford").
#[rustfmt::skip]
const NAME_PREFIX: &[&str] = &[
    "Ash", "Brook", "Thorn", "Hart", "Black", "White", "Green", "Hol", "Rad", "Stan", "Wal", "Win",
    "Whit", "Ald", "Brad", "Craw", "Dun", "Fair", "Gold", "Hay", "Lang", "Mar", "Mid", "Nor",
    "Pem", "Red", "Rod", "Sel", "Shel", "Ster", "Wen", "Bar", "Bel", "Ber", "Bing", "Blan", "Bram",
    "Brent", "Brig", "Broad", "Cal", "Cam", "Car", "Chad", "Chal", "Chel", "Clay", "Cliff", "Cole",
    "Cot", "Cran", "Dal", "Dar", "Den", "Dor", "Dray", "East", "Elm", "Ever", "Farn", "Fen",
    "Fitch", "Fox", "Gar", "Glen", "Had", "Hal", "Hamp", "Har", "Hath", "Hel", "Hen", "Her", "Hig",
    "Holm", "Kel", "Ken", "Kings", "Kirk", "Lan", "Lock", "Long", "Lyn", "Mel", "Mor", "Nether",
    "New", "Oak", "Old", "Pen", "Pres", "Ram", "Rich", "Ross", "Rush", "Sand", "Stock", "Sut",
    "Thur", "Wes", "Wey", "York", "Ac", "Al", "Bex", "Bos", "Cher", "Crom", "Ed", "Eg", "Fal",
    "Gis", "Ing", "Mal", "Ox", "Pad", "Shep", "Tad", "Ux", "Wim",
];

#[rustfmt::skip]
const NAME_SUFFIX: &[&str] = &[
    "worth", "ford", "ley", "ton", "well", "field", "wood", "by", "ham", "more", "dale", "stone",
    "brook", "croft", "hurst", "wick", "ridge", "combe", "shaw", "den", "cliffe", "land", "mere",
    "bury", "stead", "thorpe", "gate", "ington", "leigh", "low", "sley", "ner", "ville", "mont",
    "house", "mouth", "cott", "bourne", "borough", "ing", "hill", "side", "marsh", "heath", "ward",
    "wright", "smith", "man", "burn", "church", "dean", "fold", "garth", "grove", "haven", "hall",
    "holme", "hope", "kirk", "lake", "mill", "moor", "ness", "oak", "park", "pool", "port", "rigg",
    "royd", "stow", "tree", "vale", "wall", "water", "wold", "yard", "bridge", "bank", "beck",
    "fell",
];

#[rustfmt::skip]
const PLACES: &[&str] = &[
    "Harbour", "Summit", "Northgate", "Riverside", "Bluegum", "Kauri", "Pacific", "Coastal",
    "Highland", "Lakeside", "Meadow", "Redwood", "Silverfern", "Southern", "Eastern", "Western",
    "Central", "Golden", "Pioneer", "Heritage", "Evergreen", "Horizon", "Pinnacle", "Crown",
    "Anchor", "Beacon", "Cedar", "Willow", "Totara", "Rimu", "Pohutukawa", "Matai", "Aoraki",
    "Tasman", "Coral", "Ironbark", "Wattle", "Banksia", "Jarrah", "Outback", "Canal", "Thames",
    "Pennine", "Cotswold", "Lowland", "Orchard", "Vineyard", "Quarry", "Mill", "Bridge", "Castle",
    "Abbey", "Market", "Station", "Valley", "Forest", "Island", "Cove", "Point", "Parkside",
    "Hillcrest", "Greenfield", "Bayview", "Seaview", "Sunrise", "Sunset", "Northern", "Capital",
    "Metro", "Urban", "Rural", "Alpine", "Glacier", "Kiwi", "Tui", "Kea", "Pukeko", "Falcon",
    "Eagle", "Phoenix", "Orion", "Atlas", "Apex", "Vertex", "Quantum", "Fusion", "Nova", "Stellar",
    "Zenith", "Elite", "Prime", "Premier", "Royal", "Regal", "Sterling", "Liberty", "Unity",
    "Trinity", "Citadel", "Keystone", "Cornerstone", "Bedrock", "Granite", "Marble", "Copper",
    // Non-ASCII places.
    "Montréal", "Québec", "Zürich", "Malmö", "Kraków", "Córdoba", "Orléans", "São Paulo",
    "Ōtautahi", "Tāmaki", "Whangārei", "Ærø",
];

#[rustfmt::skip]
const TRADES: &[&str] = &[
    "Plumbing", "Electrical", "Consulting", "Bakery", "Dental", "Motors", "Builders", "Accounting",
    "Landscaping", "Cafe", "Café", "Logistics", "Design", "Joinery", "Roofing", "Painting",
    "Flooring", "Cleaning", "Catering", "Engineering", "Surveying", "Architecture", "Legal",
    "Medical", "Physio", "Pharmacy", "Veterinary", "Optometry", "Fitness", "Yoga", "Studio",
    "Media", "Marketing", "Software", "Digital", "Solutions", "Systems", "Technologies",
    "Networks", "Security", "Transport", "Freight", "Couriers", "Removals", "Storage", "Property",
    "Realty", "Developments", "Investments", "Finance", "Insurance", "Advisory", "Farms",
    "Orchards", "Vineyards", "Wines", "Brewing", "Distillery", "Foods", "Produce", "Butchery",
    "Seafood", "Dairy", "Nursery", "Florist", "Gardens", "Hardware", "Timber", "Glass", "Steel",
    "Fabrication", "Welding", "Machinery", "Automotive", "Panelbeaters", "Tyres", "Marine",
    "Aviation", "Travel", "Tours", "Hospitality", "Hotels", "Lodge", "Childcare", "Education",
    "Tutoring", "Music", "Photography", "Printing", "Signs", "Textiles", "Fashion", "Boutique",
    "Salon", "Barbers", "Wellness",
];

/// Legal forms; the country of an organisation follows some of them.
#[rustfmt::skip]
const LEGAL: &[&str] = &[
    "Ltd", "Limited", "Pty Ltd", "Pty Limited", "LLC", "Inc", "Inc.", "Holdings Ltd", "Holdings",
    "Trust", "& Co", "& Co Ltd", "Partners", "Group", "Corp", "Co",
];

#[rustfmt::skip]
const COMMON_FIRST: &[&str] = &[
    "John", "Mary", "David", "Sarah", "Michael", "Jane", "Peter", "Susan", "Paul", "Karen",
];
const COMMON_LAST: &[&str] = &["Smith", "Jones", "Brown", "Wilson", "Taylor"];

#[rustfmt::skip]
const MAIL_PROVIDERS: &[&str] = &[
    "mail.test", "inbox.test", "post.test", "webmail.test", "netmail.test", "homemail.test",
    "fastpost.test", "kiwimail.test",
];

#[rustfmt::skip]
const ORG_MAILBOXES: &[&str] = &[
    "accounts", "info", "admin", "office", "hello", "ap", "billing", "enquiries",
];

#[rustfmt::skip]
const STREET_TYPES: &[&str] = &[
    "Road", "Street", "Avenue", "Lane", "Drive", "Crescent", "Terrace", "Place", "Way", "Rd", "St",
];

#[derive(Clone, Copy)]
enum Country {
    Nz,
    Au,
    Uk,
    Us,
    Ca,
    Ie,
}

impl Country {
    fn names(self) -> &'static [&'static str] {
        match self {
            Self::Nz => &["New Zealand", "NZ", "New Zealand"],
            Self::Au => &["Australia", "AU", "Australia"],
            Self::Uk => &["United Kingdom", "UK", "GB"],
            Self::Us => &["United States", "USA", "US"],
            Self::Ca => &["Canada", "CA", "Canada"],
            Self::Ie => &["Ireland", "IE", "Ireland"],
        }
    }

    #[rustfmt::skip]
    fn cities(self) -> &'static [&'static str] {
        match self {
            Self::Nz => &[
                "Auckland", "Wellington", "Christchurch", "Hamilton", "Tauranga", "Dunedin",
                "Palmerston North", "Nelson", "Napier", "Whangārei", "Queenstown", "Rotorua",
            ],
            Self::Au => &[
                "Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Hobart", "Canberra",
                "Darwin", "Gold Coast", "Newcastle",
            ],
            Self::Uk => &[
                "London", "Manchester", "Birmingham", "Leeds", "Bristol", "Edinburgh", "Glasgow",
                "Cardiff", "Belfast", "Liverpool",
            ],
            Self::Us => &[
                "New York", "Austin", "Seattle", "Denver", "Boston", "Chicago", "Portland", "Miami",
            ],
            Self::Ca => &["Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa", "Québec"],
            Self::Ie => &["Dublin", "Cork", "Galway", "Limerick"],
        }
    }
}

/// A random uppercase ASCII letter.
fn letter(rng: &mut SplitMix64) -> char {
    char::from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rng.below(26)])
}

fn push_digits(out: &mut String, rng: &mut SplitMix64, n: usize) {
    for _ in 0..n {
        out.push(char::from(b"0123456789"[rng.below(10)]));
    }
}

/// Appends `n` in decimal, at least `width` digits (zero-padded).
fn push_number(out: &mut String, mut n: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut i = buf.len();
    while n > 0 || buf.len() - i < width.max(1) {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    for &b in &buf[i..] {
        out.push(char::from(b));
    }
}

fn postal_code(country: Country, rng: &mut SplitMix64) -> String {
    let mut s = String::with_capacity(8);
    match country {
        Country::Nz | Country::Au => push_digits(&mut s, rng, 4),
        Country::Us => push_digits(&mut s, rng, 5),
        Country::Uk => {
            s.push(letter(rng));
            s.push(letter(rng));
            push_digits(&mut s, rng, 1);
            s.push(' ');
            push_digits(&mut s, rng, 1);
            s.push(letter(rng));
            s.push(letter(rng));
        }
        Country::Ca => {
            s.push(letter(rng));
            push_digits(&mut s, rng, 1);
            s.push(letter(rng));
            s.push(' ');
            push_digits(&mut s, rng, 1);
            s.push(letter(rng));
            push_digits(&mut s, rng, 1);
        }
        Country::Ie => {
            s.push(letter(rng));
            push_digits(&mut s, rng, 2);
            s.push(' ');
            s.push(letter(rng));
            push_digits(&mut s, rng, 3);
        }
    }
    s
}

fn phone(country: Country, rng: &mut SplitMix64) -> String {
    // (prefix, digit groups)
    let (prefix, groups): (&str, &[usize]) = match (country, rng.per_mille(300)) {
        (Country::Nz, false) => ("+64 21 ", &[3, 4]),
        (Country::Nz, true) => ("(09) ", &[3, 4]),
        (Country::Au, false) => ("+61 4", &[2, 3, 3]),
        (Country::Au, true) => ("(02) ", &[4, 4]),
        (Country::Uk, false) => ("+44 20 ", &[4, 4]),
        (Country::Uk, true) => ("07", &[3, 6]),
        (Country::Us | Country::Ca, false) => ("+1 555-", &[3, 4]),
        (Country::Us | Country::Ca, true) => ("(555) ", &[3, 4]),
        (Country::Ie, _) => ("+353 1 ", &[3, 4]),
    };
    let mut s = String::with_capacity(20);
    s.push_str(prefix);
    for (k, &g) in groups.iter().enumerate() {
        if k > 0 {
            s.push(
                if prefix.starts_with('(') && k == 1 && g == 4 && groups[0] == 3 {
                    '-'
                } else {
                    ' '
                },
            );
        }
        push_digits(&mut s, rng, g);
    }
    s
}

// ---------------------------------------------------------------------------
// Text helpers
// ---------------------------------------------------------------------------

/// Canonical decompositions (NFD) of the precomposed letters in the
/// vocabulary; letters without one (ø, ł, ß, æ) are kept as they are.
const NFD: &[(char, &str)] = &[
    ('á', "a\u{301}"),
    ('à', "a\u{300}"),
    ('â', "a\u{302}"),
    ('ä', "a\u{308}"),
    ('ã', "a\u{303}"),
    ('å', "a\u{30A}"),
    ('ā', "a\u{304}"),
    ('ą', "a\u{328}"),
    ('ầ', "a\u{302}\u{300}"),
    ('Á', "A\u{301}"),
    ('Å', "A\u{30A}"),
    ('é', "e\u{301}"),
    ('è', "e\u{300}"),
    ('ê', "e\u{302}"),
    ('ë', "e\u{308}"),
    ('ě', "e\u{30C}"),
    ('ę', "e\u{328}"),
    ('ễ', "e\u{302}\u{303}"),
    ('í', "i\u{301}"),
    ('ï', "i\u{308}"),
    ('ī', "i\u{304}"),
    ('ó', "o\u{301}"),
    ('ô', "o\u{302}"),
    ('ö', "o\u{308}"),
    ('ō', "o\u{304}"),
    ('Ó', "O\u{301}"),
    ('Ö', "O\u{308}"),
    ('Ō', "O\u{304}"),
    ('ú', "u\u{301}"),
    ('ü', "u\u{308}"),
    ('ū', "u\u{304}"),
    ('ñ', "n\u{303}"),
    ('ç', "c\u{327}"),
    ('Ç', "C\u{327}"),
    ('č', "c\u{30C}"),
    ('ř', "r\u{30C}"),
    ('š', "s\u{30C}"),
    ('ž', "z\u{30C}"),
];

fn nfd_of(c: char) -> Option<&'static str> {
    NFD.iter().find(|(p, _)| *p == c).map(|(_, d)| *d)
}

/// Appends `s` with every precomposed letter of [`NFD`] decomposed.
fn push_nfd(s: &str, out: &mut String) {
    for c in s.chars() {
        match nfd_of(c) {
            Some(d) => out.push_str(d),
            None => out.push(c),
        }
    }
}

/// Appends `s` with ASCII letters, digits and punctuation in their
/// fullwidth forms (`A` → `Ａ`).
fn push_fullwidth(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '!'..='~' => out.push(char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)),
            _ => out.push(c),
        }
    }
}

/// Appends a lower-case ASCII form of a name for email addresses: accents
/// dropped, letters and digits only.
fn push_slug(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii() {
            // Spaces, apostrophes, commas, quotes, ampersands: dropped.
        } else if let Some(d) = nfd_of(c) {
            for b in d.chars().filter(char::is_ascii_alphabetic) {
                out.push(b.to_ascii_lowercase());
            }
        } else {
            match c {
                'ß' => out.push_str("ss"),
                'ø' | 'Ø' => out.push('o'),
                'ł' | 'Ł' => out.push('l'),
                'æ' | 'Æ' => out.push_str("ae"),
                _ => {}
            }
        }
    }
}

/// The name with noise that must not change how it compares: NFD accents,
/// case, fullwidth letters, extra / trailing / no-break spaces, tabs.
fn noisy_name(rng: &mut SplitMix64, s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let r = rng.next_u64();
    let nfd = !s.is_ascii() && (r % 1000) < 400;
    let case = (r >> 10) % 1000; // < 60 upper, < 110 lower
    let fullwidth = s.is_ascii() && ((r >> 20) % 1000) < 8;
    let ws = (r >> 30) % 1000; // < 40 leading, < 80 trailing, < 110 double, < 125 nbsp
    if !nfd && case >= 110 && !fullwidth && ws >= 125 {
        return s.to_owned();
    }
    let mut t = String::with_capacity(s.len() + 8);
    if nfd {
        push_nfd(s, &mut t);
    } else {
        t.push_str(s);
    }
    if case < 60 {
        t = t.to_uppercase();
    } else if case < 110 {
        t = t.to_lowercase();
    }
    if fullwidth {
        let mut f = String::with_capacity(t.len() * 3);
        push_fullwidth(&t, &mut f);
        t = f;
    }
    match ws {
        0..40 => t.insert_str(0, "  "),
        40..60 => t.push(' '),
        60..80 => t.push_str(" \t"),
        80..110 => match t.find(' ') {
            Some(p) => t.insert(p, ' '),
            None => t.push(' '),
        },
        110..125 => {
            if let Some(p) = t.find(' ') {
                t.replace_range(p..=p, "\u{A0}");
            }
        }
        _ => {}
    }
    t
}

/// An email with noise that must not change how it compares: case and
/// surrounding spaces.
fn noisy_email(rng: &mut SplitMix64, e: &str) -> String {
    match rng.below(1000) {
        0..40 => {
            // "Jane.Smith@Mail.Test"
            let mut out = String::with_capacity(e.len());
            let mut up = true;
            for c in e.chars() {
                out.push(if up { c.to_ascii_uppercase() } else { c });
                up = matches!(c, '.' | '@');
            }
            out
        }
        40..60 => e.to_ascii_uppercase(),
        60..90 => format!(" {e} "),
        90..100 => format!("{e}\t"),
        _ => e.to_owned(),
    }
}

/// An implausible form of an email (it never matches, N2).
fn invalid_email(rng: &mut SplitMix64, e: &str) -> String {
    let (local, domain) = e.split_once('@').unwrap_or((e, "mail.test"));
    match rng.below(7) {
        0 => format!("{local} at {domain}"),
        1 => format!("{local}@"),
        2 => format!("{local}@@{domain}"),
        3 => format!("{local}@{domain}."),
        4 => format!("{local}.{domain}"),
        5 => "n/a".to_owned(),
        _ => format!("{local}@{domain}, {local}2@{domain}"),
    }
}

// ---------------------------------------------------------------------------
// Entities: the real-world contact behind local and remote rows
// ---------------------------------------------------------------------------

const TAG_ENTITY: u64 = 1;
const TAG_PAIR: u64 = 2;
const TAG_PERSON: u64 = 3;
const TAG_LOCAL: u64 = 4;
const TAG_LOCAL_DUP: u64 = 5;
const TAG_REMOTE: u64 = 6;
const TAG_REMOTE_CAT: u64 = 7;
const TAG_COUPLE_MAIL: u64 = 8;
const KEY_PERSON: u64 = 0x5045_5253_4f4e;
const KEY_ORG: u64 = 0x004f_5247;
const KEY_PICK: u64 = 0x5049_434b;
const KEY_UUID: u64 = 0x7575_6964;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Person,
    Org,
    /// A couple filing jointly: an organisation named after two people,
    /// with the primary taxpayer's first and last name.
    CoupleOrg,
}

/// Phone and address of an entity, moved into the row that shows them.
struct Details {
    phone: String,
    address_line1: String,
    city: &'static str,
    postal_code: String,
    country: &'static str,
}

struct Entity {
    shape: Shape,
    first: &'static str,
    last: String,
    /// Organisation name (with its legal form).
    org: String,
    /// Length of the organisation name without its legal form (`org.len()`
    /// when it has none).
    base_len: usize,
    /// Canonical email (lower case); empty when the contact has none.
    email: String,
    details: Details,
}

impl Entity {
    fn org_base(&self) -> &str {
        &self.org[..self.base_len]
    }
}

#[derive(Clone, Copy)]
struct Ctx {
    seed: u64,
    n_local: usize,
    bookkeepers: usize,
}

impl Ctx {
    fn new(n_local: usize, n_remote: usize, seed: u64) -> Self {
        Self {
            seed,
            n_local,
            // About 1 bookkeeper per 300 contacts: each serves a handful.
            bookkeepers: ((n_local + n_remote) / 300).max(4),
        }
    }
}

const fn invented_count() -> usize {
    NAME_PREFIX.len() * NAME_SUFFIX.len()
}

const fn surname_count() -> usize {
    REAL_SURNAMES.len() + invented_count()
}

const fn place_count() -> usize {
    PLACES.len() + invented_count()
}

/// Appends invented name `i` ("Ashford").
fn push_invented(i: usize, out: &mut String) {
    let i = i % invented_count();
    out.push_str(NAME_PREFIX[i / NAME_SUFFIX.len()]);
    out.push_str(NAME_SUFFIX[i % NAME_SUFFIX.len()]);
}

/// Appends family name `i` (below [`surname_count`]).
fn push_surname(i: usize, out: &mut String) {
    match REAL_SURNAMES.get(i) {
        Some(s) => out.push_str(s),
        None => push_invented(i - REAL_SURNAMES.len(), out),
    }
}

fn surname(i: usize) -> String {
    let mut s = String::with_capacity(16);
    push_surname(i, &mut s);
    s
}

/// Appends place word `i` (below [`place_count`]): a listed one or an
/// invented one ("Thornbury").
fn push_place(i: usize, out: &mut String) {
    match PLACES.get(i) {
        Some(p) => out.push_str(p),
        None => push_invented(i - PLACES.len(), out),
    }
}

/// First name and family-name index of entity `e`: distinct per entity
/// below the size of the name space, apart from 1.5% deliberately common
/// names (the flag).
fn person_name(ctx: Ctx, e: u64) -> (&'static str, Result<usize, &'static str>, bool) {
    let mut rng = stream(ctx.seed, TAG_PERSON, e);
    if rng.per_mille(15) {
        return (rng.pick(COMMON_FIRST), Err(rng.pick(COMMON_LAST)), true);
    }
    let space = (FIRST.len() * surname_count()) as u64;
    // Below `space`, which is a usize.
    #[allow(clippy::cast_possible_truncation)]
    let u = permute(e, space, ctx.seed ^ KEY_PERSON) as usize;
    (FIRST[u % FIRST.len()], Ok(u / FIRST.len()), false)
}

fn family_name(s: Result<usize, &'static str>) -> String {
    match s {
        Ok(i) => surname(i),
        Err(s) => s.to_owned(),
    }
}

fn person_email(rng: &mut SplitMix64, first: &str, last: &str, common: bool, e: u64) -> String {
    let mut out = String::with_capacity(first.len() + last.len() + 24);
    let format = rng.below(100);
    let (a, b) = if format >= 90 {
        (last, first)
    } else {
        (first, last)
    };
    push_slug(a, &mut out);
    if !(50..75).contains(&format) {
        out.push('.');
    }
    push_slug(b, &mut out);
    if (75..90).contains(&format) {
        push_number(&mut out, 10 + rng.below(90) as u64, 2);
    }
    if common {
        // Common names would otherwise share addresses.
        push_number(&mut out, e, 1);
    }
    out.push('@');
    out.push_str(rng.pick(MAIL_PROVIDERS));
    out
}

fn bookkeeper_email(ctx: Ctx, rng: &mut SplitMix64) -> String {
    let k = rng.below(ctx.bookkeepers);
    let mut out = String::with_capacity(40);
    out.push_str("accounts@");
    push_slug(&surname(k % surname_count()), &mut out);
    if k >= surname_count() {
        push_number(&mut out, (k / surname_count()) as u64, 1);
    }
    out.push_str("bookkeeping.test");
    out
}

fn entity(ctx: Ctx, e: u64) -> Entity {
    let mut rng = stream(ctx.seed, TAG_ENTITY, e);
    let couple_pair = stream(ctx.seed, TAG_PAIR, e / 2).per_mille(30);
    let shape = if couple_pair {
        Shape::Person
    } else {
        match rng.below(1000) {
            0..540 => Shape::Person,
            540..970 => Shape::Org,
            _ => Shape::CoupleOrg,
        }
    };

    let mut country = match rng.below(100) {
        0..40 => Country::Nz,
        40..65 => Country::Au,
        65..80 => Country::Uk,
        80..90 => Country::Us,
        90..95 => Country::Ca,
        _ => Country::Ie,
    };

    let mut first = "";
    let mut last = String::new();
    let mut org = String::new();
    let mut base_len = 0;
    let mut email: String;
    let no_email = rng.per_mille(15);

    match shape {
        Shape::Person => {
            let (f, s, common) = person_name(ctx, e);
            first = f;
            if couple_pair {
                // Two people sharing a family name and one address.
                let (f0, s0, _) = person_name(ctx, e & !1);
                let (f1, _, _) = person_name(ctx, e | 1);
                last = family_name(s0);
                let mut mail = stream(ctx.seed, TAG_COUPLE_MAIL, e / 2);
                email = String::with_capacity(48);
                push_slug(f0, &mut email);
                email.push('.');
                push_slug(f1, &mut email);
                email.push('.');
                push_slug(&last, &mut email);
                email.push('@');
                email.push_str(mail.pick(MAIL_PROVIDERS));
            } else {
                last = family_name(s);
                email = if rng.per_mille(10) {
                    bookkeeper_email(ctx, &mut rng)
                } else {
                    person_email(&mut rng, first, &last, common, e)
                };
            }
        }
        Shape::CoupleOrg => {
            let (f, s, _) = person_name(ctx, e);
            first = f;
            last = family_name(s);
            let mut partner = rng.pick(FIRST);
            if partner == first {
                partner = if first == FIRST[0] {
                    FIRST[1]
                } else {
                    FIRST[0]
                };
            }
            let joiner = if rng.per_mille(100) { "and" } else { "&" };
            org = format!("{first} {joiner} {partner} {last}");
            base_len = org.len();
            email = String::with_capacity(48);
            push_slug(first, &mut email);
            email.push_str("and");
            push_slug(partner, &mut email);
            email.push('.');
            push_slug(&last, &mut email);
            email.push('@');
            email.push_str(rng.pick(MAIL_PROVIDERS));
        }
        Shape::Org => {
            org.reserve(48);
            let legal = match rng.below(1000) {
                0..800 => {
                    // "{Place} {Trade} {Legal}", distinct per entity.
                    let space = (place_count() * TRADES.len() * LEGAL.len()) as u64;
                    #[allow(clippy::cast_possible_truncation)]
                    let mut u = permute(e, space, ctx.seed ^ KEY_ORG) as usize;
                    let legal = LEGAL[u % LEGAL.len()];
                    u /= LEGAL.len();
                    let trade = TRADES[u % TRADES.len()];
                    push_place(u / TRADES.len(), &mut org);
                    org.push(' ');
                    org.push_str(trade);
                    if legal.starts_with("Pty") {
                        country = Country::Au;
                    } else if matches!(legal, "LLC" | "Inc" | "Inc." | "Corp") {
                        country = Country::Us;
                    }
                    legal
                }
                800..870 => {
                    // A partnership: "Smith, Jones & Co".
                    push_surname(rng.below(surname_count()), &mut org);
                    org.push_str(", ");
                    push_surname(rng.below(surname_count()), &mut org);
                    "& Co"
                }
                870..940 => {
                    // "J & M Ashworth Family Trust".
                    org.push(letter(&mut rng));
                    org.push_str(" & ");
                    org.push(letter(&mut rng));
                    org.push(' ');
                    push_surname(rng.below(surname_count()), &mut org);
                    "Family Trust"
                }
                940..970 => {
                    // A quoted trading name: The "Harbour" Bakery Co.
                    org.push_str("The \"");
                    push_place(rng.below(place_count()), &mut org);
                    org.push_str("\" ");
                    org.push_str(rng.pick(TRADES));
                    "Co"
                }
                _ => {
                    // A sole trader's business name, no legal form.
                    push_place(rng.below(place_count()), &mut org);
                    org.push(' ');
                    org.push_str(rng.pick(TRADES));
                    ""
                }
            };
            base_len = org.len();
            if !legal.is_empty() {
                org.push(' ');
                org.push_str(legal);
            }
            email = if rng.per_mille(50) {
                bookkeeper_email(ctx, &mut rng)
            } else {
                let mut s = String::with_capacity(org.len() + 24);
                s.push_str(rng.pick(ORG_MAILBOXES));
                s.push('@');
                push_slug(&org[..base_len], &mut s);
                if rng.per_mille(500) {
                    push_slug(legal, &mut s);
                }
                s.push_str(".test");
                s
            };
        }
    }
    if no_email {
        email.clear();
    }

    let mut address_line1 = String::with_capacity(48);
    let number = 1 + rng.below(400) as u64;
    let street_is_place = rng.per_mille(300);
    let street = rng.below(if street_is_place {
        PLACES.len()
    } else {
        surname_count()
    });
    let street_type = rng.pick(STREET_TYPES);
    let layout = rng.below(1000);
    let extra = 1 + rng.below(40) as u64;
    match layout {
        0..30 => {
            address_line1.push_str("PO Box ");
            push_number(&mut address_line1, number * 17 + extra, 1);
        }
        _ => {
            match layout {
                30..150 => {
                    address_line1.push_str("Unit ");
                    push_number(&mut address_line1, extra, 1);
                    address_line1.push_str(", ");
                }
                150..160 => {
                    address_line1.push_str("Level ");
                    push_number(&mut address_line1, extra % 20 + 1, 1);
                    address_line1.push('\n');
                }
                160..170 => {
                    address_line1.push_str("\"The ");
                    address_line1.push_str(PLACES[extra as usize % PLACES.len()]);
                    address_line1.push_str(" Building\", ");
                }
                _ => {}
            }
            push_number(&mut address_line1, number, 1);
            address_line1.push(' ');
            if street_is_place {
                push_place(street, &mut address_line1);
            } else {
                push_surname(street, &mut address_line1);
            }
            address_line1.push(' ');
            address_line1.push_str(street_type);
        }
    }
    let phone = if rng.per_mille(150) {
        String::new()
    } else {
        phone(country, &mut rng)
    };

    Entity {
        shape,
        first,
        last,
        org,
        base_len,
        email,
        details: Details {
            phone,
            address_line1,
            city: rng.pick(country.cities()),
            postal_code: postal_code(country, &mut rng),
            country: rng.pick(country.names()),
        },
    }
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/// The CSV header, in [`Row`] field order.
pub const HEADER: [&str; 12] = [
    "id",
    "kind",
    "name",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone",
    "address_line1",
    "city",
    "postal_code",
    "country",
];

/// One contact as a CSV row: plain strings, empty when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// The record's id on its own side (`C0000001` locally, a UUID remotely).
    pub id: String,
    /// `"person"`, `"organization"` or `""` (not stated).
    pub kind: String,
    /// Display name (local contact name; Xero / XPM `Name`; QBO
    /// `DisplayName`).
    pub name: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Company / legal name (QBO `CompanyName`).
    pub company_name: String,
    /// The billing / primary email, as entered (may be invalid).
    pub email: String,
    /// Primary phone, free text.
    pub phone: String,
    /// First address line (may hold commas, quotes or a line break).
    pub address_line1: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Country, as entered.
    pub country: String,
}

impl Row {
    /// The fields in [`HEADER`] order.
    pub fn fields(&self) -> [&str; 12] {
        [
            &self.id,
            &self.kind,
            &self.name,
            &self.first_name,
            &self.last_name,
            &self.company_name,
            &self.email,
            &self.phone,
            &self.address_line1,
            &self.city,
            &self.postal_code,
            &self.country,
        ]
    }
}

/// What a remote row is made to be, relative to the local side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RemoteKind {
    /// A local contact again: same name and email after noise.
    Same,
    /// Same name, other or no email.
    NameOnly,
    /// Same email, other name.
    EmailOnly,
    /// A contact the local side does not have.
    New,
    /// QBO-unmatchable: display name differs from company name, no first /
    /// last name.
    QboUnmatchable,
    /// The previous row's local contact again (a duplicate on the remote
    /// side).
    Duplicate,
    /// No name at all, only an email.
    NoName,
}

impl RemoteKind {
    /// Every kind, in a fixed order.
    pub const ALL: [Self; 7] = [
        Self::Same,
        Self::NameOnly,
        Self::EmailOnly,
        Self::New,
        Self::QboUnmatchable,
        Self::Duplicate,
        Self::NoName,
    ];

    /// A short label.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Same => "same contact",
            Self::NameOnly => "name only",
            Self::EmailOnly => "email only",
            Self::New => "new",
            Self::QboUnmatchable => "QBO-unmatchable",
            Self::Duplicate => "remote duplicate",
            Self::NoName => "no name",
        }
    }
}

/// What remote row `i` is made to be (for `n_local` local rows and `seed`).
pub fn remote_kind(n_local: usize, seed: u64, i: usize) -> RemoteKind {
    if n_local == 0 {
        return RemoteKind::New;
    }
    match stream(seed, TAG_REMOTE_CAT, i as u64).below(1000) {
        0..645 => RemoteKind::Same,
        645..710 => RemoteKind::NameOnly,
        710..775 => RemoteKind::EmailOnly,
        775..970 => RemoteKind::New,
        970..985 => RemoteKind::QboUnmatchable,
        985..995 if i > 0 => RemoteKind::Duplicate,
        985..995 => RemoteKind::Same,
        _ => RemoteKind::NoName,
    }
}

/// How many remote rows of each [`RemoteKind`] [`generate`] makes.
pub fn remote_mix(n_local: usize, n_remote: usize, seed: u64) -> Vec<(RemoteKind, usize)> {
    let mut counts = [0usize; RemoteKind::ALL.len()];
    for i in 0..n_remote {
        let k = remote_kind(n_local, seed, i);
        if let Some(p) = RemoteKind::ALL.iter().position(|x| *x == k) {
            counts[p] += 1;
        }
    }
    RemoteKind::ALL.iter().copied().zip(counts).collect()
}

/// The entity behind local row `i`: its own, or (1%) an earlier row's, so
/// the local side holds duplicates.
fn local_entity(ctx: Ctx, i: usize) -> u64 {
    let mut rng = stream(ctx.seed, TAG_LOCAL_DUP, i as u64);
    if i > 0 && rng.per_mille(10) {
        (i - 1 - rng.below(i.min(1000))) as u64
    } else {
        i as u64
    }
}

/// The local row a remote row copies (a permutation, so that the first
/// `n_local` remote rows copy distinct local rows).
fn picked_local_row(ctx: Ctx, i: usize) -> usize {
    // Below n_local, a usize.
    #[allow(clippy::cast_possible_truncation)]
    let r = permute(i as u64, ctx.n_local as u64, ctx.seed ^ KEY_PICK) as usize;
    r
}

fn kind_label(shape: Shape) -> &'static str {
    match shape {
        Shape::Person => "person",
        Shape::Org | Shape::CoupleOrg => "organization",
    }
}

fn render_email(rng: &mut SplitMix64, email: &str, missing: usize, invalid: usize) -> String {
    if email.is_empty() {
        return String::new();
    }
    let r = rng.below(1000);
    if r < missing {
        String::new()
    } else if r < missing + invalid {
        invalid_email(rng, email)
    } else {
        noisy_email(rng, email)
    }
}

/// Moves the entity's phone and address into the row (each sometimes
/// left out).
fn fill_details(rng: &mut SplitMix64, d: Details, row: &mut Row) {
    if !rng.per_mille(100) {
        row.phone = d.phone;
    }
    if !rng.per_mille(80) {
        row.address_line1 = d.address_line1;
        row.city = d.city.to_owned();
        row.postal_code = d.postal_code;
        row.country = d.country.to_owned();
    }
}

fn full_name(first: &str, last: &str) -> String {
    let mut s = String::with_capacity(first.len() + last.len() + 1);
    s.push_str(first);
    s.push(' ');
    s.push_str(last);
    s
}

/// Local row `i`.
fn local_row(ctx: Ctx, i: usize) -> Row {
    let ent = entity(ctx, local_entity(ctx, i));
    let mut rng = stream(ctx.seed, TAG_LOCAL, i as u64);
    let mut id = String::with_capacity(8);
    id.push('C');
    push_number(&mut id, i as u64 + 1, 7);
    let mut row = Row {
        id,
        kind: if rng.per_mille(50) {
            String::new()
        } else {
            kind_label(ent.shape).to_owned()
        },
        ..Row::default()
    };
    match ent.shape {
        Shape::Person => {
            row.first_name = noisy_name(&mut rng, ent.first);
            row.last_name = noisy_name(&mut rng, &ent.last);
            if rng.per_mille(300) {
                row.name = noisy_name(&mut rng, &full_name(ent.first, &ent.last));
            }
        }
        Shape::Org | Shape::CoupleOrg => {
            row.name = noisy_name(&mut rng, &ent.org);
            if rng.per_mille(850) {
                row.company_name = noisy_name(&mut rng, &ent.org);
            }
            if ent.shape == Shape::CoupleOrg {
                row.first_name = noisy_name(&mut rng, ent.first);
                row.last_name = noisy_name(&mut rng, &ent.last);
            }
        }
    }
    row.email = render_email(&mut rng, &ent.email, 20, 15);
    fill_details(&mut rng, ent.details, &mut row);
    row
}

/// Appends the low `digits` hex digits of `v`.
fn push_hex(out: &mut String, v: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for k in (0..digits).rev() {
        out.push(char::from(HEX[((v >> (4 * k)) & 0xf) as usize]));
    }
}

/// A UUID-shaped id (version 4 layout), distinct for distinct `i` under one
/// seed (the first 64 bits are a bijection of `i`).
fn uuid(seed: u64, i: u64) -> String {
    let a = mix64(mix64(seed ^ KEY_UUID) ^ i);
    let b = mix64(a ^ GOLDEN);
    let mut s = String::with_capacity(36);
    push_hex(&mut s, a >> 32, 8);
    s.push('-');
    push_hex(&mut s, a >> 16, 4);
    s.push_str("-4");
    push_hex(&mut s, a, 3);
    s.push('-');
    push_hex(&mut s, 0x8000 | ((b >> 48) & 0x3fff), 4);
    s.push('-');
    push_hex(&mut s, b, 12);
    s
}

/// Remote row `i`.
fn remote_row(ctx: Ctx, i: usize) -> Row {
    let cat = remote_kind(ctx.n_local, ctx.seed, i);
    let e = match cat {
        RemoteKind::New => (ctx.n_local + i) as u64,
        RemoteKind::Duplicate => local_entity(ctx, picked_local_row(ctx, i - 1)),
        _ => local_entity(ctx, picked_local_row(ctx, i)),
    };
    let ent = entity(ctx, e);
    let mut rng = stream(ctx.seed, TAG_REMOTE, i as u64);
    let mut row = Row {
        id: uuid(ctx.seed, i as u64),
        // Ledgers rarely say person or organisation.
        kind: if rng.per_mille(150) {
            kind_label(ent.shape).to_owned()
        } else {
            String::new()
        },
        ..Row::default()
    };

    // Names as the ledger holds them.
    match (ent.shape, cat) {
        (_, RemoteKind::NoName) => {}
        (Shape::Person, RemoteKind::EmailOnly) => {
            // "J Smith" or another given name.
            let first = if rng.per_mille(500) {
                ent.first
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default()
            } else {
                let mut f = rng.pick(FIRST);
                if f == ent.first {
                    f = if f == FIRST[0] { FIRST[1] } else { FIRST[0] };
                }
                f.to_owned()
            };
            row.name = noisy_name(&mut rng, &full_name(&first, &ent.last));
            row.first_name = noisy_name(&mut rng, &first);
            row.last_name = noisy_name(&mut rng, &ent.last);
        }
        (Shape::Person, RemoteKind::QboUnmatchable) => {
            row.name = noisy_name(&mut rng, &full_name(ent.first, &ent.last));
            row.company_name = noisy_name(&mut rng, &format!("{} Holdings Ltd", ent.last));
        }
        (Shape::Person, _) => {
            row.name = noisy_name(&mut rng, &full_name(ent.first, &ent.last));
            row.first_name = noisy_name(&mut rng, ent.first);
            row.last_name = noisy_name(&mut rng, &ent.last);
        }
        (Shape::Org | Shape::CoupleOrg, RemoteKind::QboUnmatchable) => {
            // Display name without the legal form, company name with it.
            row.name = noisy_name(&mut rng, ent.org_base());
            row.company_name = if ent.base_len == ent.org.len() {
                noisy_name(&mut rng, &format!("{} Ltd", ent.org))
            } else {
                noisy_name(&mut rng, &ent.org)
            };
        }
        (Shape::Org | Shape::CoupleOrg, _) => {
            let other;
            let name = if cat != RemoteKind::EmailOnly {
                ent.org.as_str()
            } else if ent.shape == Shape::CoupleOrg {
                other = full_name(ent.first, &ent.last);
                &other
            } else if ent.base_len == ent.org.len() {
                other = format!("{} Ltd", ent.org);
                &other
            } else {
                ent.org_base()
            };
            row.name = noisy_name(&mut rng, name);
            row.company_name = noisy_name(&mut rng, name);
            if ent.shape == Shape::CoupleOrg {
                row.first_name = noisy_name(&mut rng, ent.first);
                row.last_name = noisy_name(&mut rng, &ent.last);
            }
        }
    }

    row.email = if cat == RemoteKind::NameOnly {
        if rng.per_mille(550) {
            // The same contact with another address.
            let mut s = String::with_capacity(40);
            push_slug(
                if ent.shape == Shape::Person {
                    &ent.last
                } else {
                    ent.org_base()
                },
                &mut s,
            );
            push_number(&mut s, 100 + rng.below(900) as u64, 3);
            s.push('@');
            s.push_str(rng.pick(MAIL_PROVIDERS));
            noisy_email(&mut rng, &s)
        } else {
            String::new()
        }
    } else {
        render_email(&mut rng, &ent.email, 10, 5)
    };
    fill_details(&mut rng, ent.details, &mut row);
    row
}

/// Maps `0..n` with `f`, in order, on all cores when `n` is large.
fn par_map<T: Default + Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if n < 20_000 || threads < 2 {
        return (0..n).map(f).collect();
    }
    let mut out: Vec<T> = Vec::with_capacity(n);
    out.resize_with(n, T::default);
    let per = n.div_ceil(threads);
    std::thread::scope(|s| {
        let f = &f;
        for (t, part) in out.chunks_mut(per).enumerate() {
            s.spawn(move || {
                for (k, slot) in part.iter_mut().enumerate() {
                    *slot = f(t * per + k);
                }
            });
        }
    });
    out
}

/// Generates `n_local` local rows and `n_remote` remote rows from `seed`.
///
/// Deterministic: the same arguments always give the same rows.
pub fn generate(n_local: usize, n_remote: usize, seed: u64) -> (Vec<Row>, Vec<Row>) {
    let ctx = Ctx::new(n_local, n_remote, seed);
    let local = par_map(n_local, |i| local_row(ctx, i));
    let remote = par_map(n_remote, |i| remote_row(ctx, i));
    (local, remote)
}

// ---------------------------------------------------------------------------
// Conversions and output
// ---------------------------------------------------------------------------

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// One row as a [`Contact`]: `name` → display name (when not empty), first /
/// last name, `company_name` → organisation name, `email` → billing email,
/// `phone` → primary phone, the address fields → primary address, `kind`
/// → kind (`None` when empty).
pub fn to_contact(row: &Row) -> Contact {
    let mut c = Contact {
        id: row.id.as_str().into(),
        kind: match row.kind.as_str() {
            "person" => Some(ContactKind::Person),
            "organization" => Some(ContactKind::Organization),
            _ => None,
        },
        display_name: non_empty(&row.name),
        organization_name: non_empty(&row.company_name),
        first_name: non_empty(&row.first_name),
        last_name: non_empty(&row.last_name),
        ..Contact::default()
    };
    if !row.email.is_empty() {
        c = c.with_email(row.email.as_str());
    }
    if !row.phone.is_empty() {
        c = c.with_phone(PhoneKind::Primary, row.phone.as_str());
    }
    if [
        &row.address_line1,
        &row.city,
        &row.postal_code,
        &row.country,
    ]
    .iter()
    .any(|s| !s.is_empty())
    {
        c = c.with_address(Address {
            kind: AddressKind::Physical,
            lines: non_empty(&row.address_line1).into_iter().collect(),
            city: non_empty(&row.city),
            postal_code: non_empty(&row.postal_code),
            country: non_empty(&row.country),
            ..Address::default()
        });
    }
    c
}

/// Every row as a [`Contact`] (see [`to_contact`]), on all cores for large
/// inputs.
pub fn to_contacts(rows: &[Row]) -> Vec<Contact> {
    par_map(rows.len(), |i| to_contact(&rows[i]))
}

/// Writes one CSV field: quoted when it holds a comma, a quote, CR or LF,
/// with embedded quotes doubled (RFC 4180).
fn write_field(w: &mut impl Write, field: &str) -> io::Result<()> {
    if !field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        return w.write_all(field.as_bytes());
    }
    w.write_all(b"\"")?;
    let mut parts = field.split('"');
    if let Some(first) = parts.next() {
        w.write_all(first.as_bytes())?;
    }
    for part in parts {
        w.write_all(b"\"\"")?;
        w.write_all(part.as_bytes())?;
    }
    w.write_all(b"\"")
}

fn write_record(w: &mut impl Write, fields: &[&str]) -> io::Result<()> {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_field(w, f)?;
    }
    w.write_all(b"\n")
}

/// Writes the header and `rows` as CSV: RFC 4180 quoting, `\n` line ends,
/// UTF-8. Buffers internally, so a `File` can be passed as it is.
///
/// # Errors
/// Any error of the writer.
pub fn write_csv(rows: &[Row], w: &mut impl Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    write_record(&mut w, &HEADER)?;
    for r in rows {
        write_record(&mut w, &r.fields())?;
    }
    w.flush()
}
