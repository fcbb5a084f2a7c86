//! The XPM elements the decoder knows, by name: the vocabulary the parser
//! matches on. Everything else is [`Tag::Other`] and is skipped.

/// The elements the reader knows; everything else is [`Tag::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tag {
    Response,
    Status,
    ErrorDescription,
    Clients,
    Client,
    Contacts,
    Contact,
    Groups,
    Group,
    Pagination,
    Links,
    Next,
    Uuid,
    /// `ID`: the numeric id of older API versions (and WorkflowMax),
    /// sent without a `UUID`.
    Id,
    Name,
    FirstName,
    LastName,
    OtherName,
    Email,
    Phone,
    Fax,
    Mobile,
    Address,
    City,
    Region,
    PostCode,
    Country,
    PostalAddress,
    PostalCity,
    PostalRegion,
    PostalPostCode,
    PostalCountry,
    IsArchived,
    IsDeleted,
    IsProspect,
    IsPrimary,
    Position,
    BusinessStructure,
    Other,
}

impl Tag {
    /// The tag of an element, from its local name (any prefix dropped).
    pub(super) fn of(local_name: &[u8]) -> Self {
        match local_name {
            b"Response" => Self::Response,
            b"Status" => Self::Status,
            b"ErrorDescription" => Self::ErrorDescription,
            b"Clients" => Self::Clients,
            b"Client" => Self::Client,
            b"Contacts" => Self::Contacts,
            b"Contact" => Self::Contact,
            b"Groups" => Self::Groups,
            b"Group" => Self::Group,
            b"Pagination" => Self::Pagination,
            b"Links" => Self::Links,
            b"Next" => Self::Next,
            b"UUID" => Self::Uuid,
            b"ID" => Self::Id,
            b"Name" => Self::Name,
            b"FirstName" => Self::FirstName,
            b"LastName" => Self::LastName,
            b"OtherName" => Self::OtherName,
            b"Email" => Self::Email,
            b"Phone" => Self::Phone,
            b"Fax" => Self::Fax,
            b"Mobile" => Self::Mobile,
            b"Address" => Self::Address,
            b"City" => Self::City,
            b"Region" => Self::Region,
            b"PostCode" => Self::PostCode,
            b"Country" => Self::Country,
            b"PostalAddress" => Self::PostalAddress,
            b"PostalCity" => Self::PostalCity,
            b"PostalRegion" => Self::PostalRegion,
            b"PostalPostCode" => Self::PostalPostCode,
            b"PostalCountry" => Self::PostalCountry,
            b"IsArchived" => Self::IsArchived,
            b"IsDeleted" => Self::IsDeleted,
            b"IsProspect" => Self::IsProspect,
            b"IsPrimary" => Self::IsPrimary,
            b"Position" => Self::Position,
            b"BusinessStructure" => Self::BusinessStructure,
            _ => Self::Other,
        }
    }

    /// The element's name as XPM spells it, for paths in errors.
    pub(super) const fn name(self) -> &'static str {
        match self {
            Self::Response => "Response",
            Self::Status => "Status",
            Self::ErrorDescription => "ErrorDescription",
            Self::Clients => "Clients",
            Self::Client => "Client",
            Self::Contacts => "Contacts",
            Self::Contact => "Contact",
            Self::Groups => "Groups",
            Self::Group => "Group",
            Self::Pagination => "Pagination",
            Self::Links => "Links",
            Self::Next => "Next",
            Self::Uuid => "UUID",
            Self::Id => "ID",
            Self::Name => "Name",
            Self::FirstName => "FirstName",
            Self::LastName => "LastName",
            Self::OtherName => "OtherName",
            Self::Email => "Email",
            Self::Phone => "Phone",
            Self::Fax => "Fax",
            Self::Mobile => "Mobile",
            Self::Address => "Address",
            Self::City => "City",
            Self::Region => "Region",
            Self::PostCode => "PostCode",
            Self::Country => "Country",
            Self::PostalAddress => "PostalAddress",
            Self::PostalCity => "PostalCity",
            Self::PostalRegion => "PostalRegion",
            Self::PostalPostCode => "PostalPostCode",
            Self::PostalCountry => "PostalCountry",
            Self::IsArchived => "IsArchived",
            Self::IsDeleted => "IsDeleted",
            Self::IsProspect => "IsProspect",
            Self::IsPrimary => "IsPrimary",
            Self::Position => "Position",
            Self::BusinessStructure => "BusinessStructure",
            Self::Other => "?",
        }
    }

    /// The text elements of a client the reader keeps or checks.
    pub(super) const fn is_client_leaf(self) -> bool {
        matches!(
            self,
            Self::Uuid
                | Self::Id
                | Self::Name
                | Self::FirstName
                | Self::LastName
                | Self::OtherName
                | Self::Email
                | Self::Phone
                | Self::Fax
                | Self::Address
                | Self::City
                | Self::Region
                | Self::PostCode
                | Self::Country
                | Self::PostalAddress
                | Self::PostalCity
                | Self::PostalRegion
                | Self::PostalPostCode
                | Self::PostalCountry
                | Self::IsArchived
                | Self::IsDeleted
                | Self::IsProspect
                | Self::BusinessStructure
        )
    }

    /// The text elements of a client's contact the reader keeps or checks.
    pub(super) const fn is_contact_leaf(self) -> bool {
        matches!(
            self,
            Self::Uuid
                | Self::Id
                | Self::Name
                | Self::Email
                | Self::Phone
                | Self::Mobile
                | Self::IsDeleted
                | Self::IsPrimary
                | Self::Position
        )
    }
}
