//! Hand-made word lists of the name classifier (T3), one category each,
//! written for this crate. Words are compared in their normal form (lower
//! case) with dots removed ("L.L.C." → "llc", "Pty." → "pty").

/// Legal forms and registration words of many jurisdictions: New Zealand,
/// Australia ("Pty", "NL", "ATF"), the UK ("PLC", "LLP", "CIC", "CIO",
/// "Cyf"), the US ("Inc", "LLC", "PLLC", "PC", "PA", "LLLP"), Canada
/// ("Ltée", "ULC"), Ireland ("DAC", "CLG", "Teo"), South Africa ("NPC",
/// "SOC", "CC"), and continental Europe (GmbH, AG, KG, UG, e.V., SA, SAS,
/// SARL, SpA, Srl, BV, NV, VOF, AB, Oy, ApS, A/S, Sp. z o.o., s.r.o., Kft,
/// d.o.o., SL, Lda, SE…). Ambiguous short words that are also common
/// personal names ("Na", "As") are left out.
pub(super) const LEGAL: &str = "\
    ab abp ag aps asa atf bhd bv bvba cc cic cio clg co company corp corporation \
    cooperative coop co-op co-operative cv cvba cyf cyfyngedig dac dd doo eood ev \
    eurl gbr gesmbh gmbh hb hf incorporated inc kb kft kg kgaa lda limited llc lllp \
    llp lp ltd ltda ltée ltee nl npc nv nyrt ohg ood oy oyj pa pc plc pllc pte pty \
    proprietary sa sae sapa sarl sas sasu sca scarl scs sdn sl slu snc soc spa sprl \
    sro srl teo teoranta trust trustee trustees trusts ug uab ulc unlimited vof vzw \
    asbl zrt smsf superannuation";

/// Nouns of institutions, associations and public bodies, and the words
/// of political committees ("… for Congress", "Friends of …", "… PAC").
pub(super) const ORGANISATION: &str = "\
    academy action agency alliance assembly assn assoc associates association \
    authority board borough brotherhood bureau campaign caucus centre center \
    almshouse almshouses chamber chapter charitable charities charity church citizens club coalition college \
    commission committee cmte community congregation congress council county \
    department dept diocese district federation fellowship foundation friends \
    fund funds government guild hospital institute institution league local \
    ministries ministry mission municipal network office parish partners \
    partnership party political pac program project registry school schools \
    secretariat senate society synagogue temple union unions university \
    victory voters workers elect reelect re-elect leadership majority team employees teamsters republican republicans democratic \
    democrats conservative conservatives liberal labour labor people council \
    commonwealth federal national international united american americans \
    america global worldwide state states city county regional association \
    collective cooperative members veterans retirees alumni ymca ywca \
    communities";

/// Words of trades and businesses.
pub(super) const BUSINESS: &str = "\
    accountants accounting acquisition acquisitions advisers advisors advisory \
    aero aerospace agencies agri agricultural airlines airways analytics animal \
    apartments apparel architects architecture arts assurance auto automotive \
    autos aviation bakery bancorp bancshares banc bank bankshares bar barber beauty \
    beverages bio biosciences biotech bistro books boutique brands brewery brewing \
    builders building buildings cabinets cafe café capital care carpets cars \
    catering cellars center centre chemical chemicals childcare cinema cleaning \
    clinic clinics clothing coffee communications computer computers concrete \
    construction consultants consultancy consulting contracting contractors \
    cosmetics credit dairy data deli dental dentistry design designs developments \
    development devices diagnostics digital distribution distributors drilling \
    education electric electrical electronics energy engineering engineers \
    enterprise enterprises entertainment environmental equipment equity estates \
    events exchange exports fabrication farm farming farms fashion films finance \
    financial fitness flooring florist flowers food foods freight furniture \
    gallery garage garden gardens gas gifts glass golf grill group health \
    healthcare heating holding holdings home homes hotel hotels housing imaging \
    imports industrial industries infrastructure innovations insurance interiors \
    investment investments jewellers jewelers jewellery jewelry kitchen kitchens \
    labs laboratories landscaping law lawyers leasing legal lending logistics \
    lumber machinery maintenance management manufacturing marine market marketing \
    markets mart materials meat meats media medical metals mfg mining minerals \
    mortgage motel motors music mutual networks nursery nutrition oil optical \
    orchard outfitters packaging packers packing paint painting paper partners \
    petroleum pets pharma pharmaceuticals pharmacy photography physio \
    physiotherapy pizza plastics plumbing power press print printing produce \
    productions products properties property publishing pub realty recycling \
    rehabilitation rentals repair repairs research residential resort resorts \
    resources restaurant restaurants retail roofing salon savings scaffolding \
    sciences seafood securities security services shipping shop shops software \
    solar solutions spa sports steel storage store stores studio studios supplies \
    supply surgical surveyors systems tech technologies technology telecom \
    textiles therapeutics therapy timber tours towing trading traders training \
    transport transportation travel trucking tutoring veterinary vet ventures \
    vineyard vineyards water wealth welding wholesale wines winery wireless works \
    yoga";

/// Small words that join the words of an organisation's name ("Bank of …",
/// "… for Congress", "The … Company").
pub(super) const LINKING: &str = "of for the at in on by to with";

/// Titles before a personal name.
pub(super) const TITLES: &str = "\
    mr mrs ms miss mx dr prof professor rev reverend sir dame lady lord hon \
    honorable honourable judge fr pastor rabbi capt captain col sgt lt";

/// Generational suffixes and post-nominal letters after a personal name.
pub(super) const SUFFIXES: &str = "\
    jr jnr sr snr ii iii iv md phd dds dmd esq cpa rn jd mba obe mbe cbe qc kc dvm";
