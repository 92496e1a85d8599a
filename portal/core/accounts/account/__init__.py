"""The account area: details, letterhead, profiles, closure."""
