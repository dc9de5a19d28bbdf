package pii

import "sort"

// Entity types. The names follow Presidio's so that findings can be
// compared with its test vectors and read by people who know it.
const (
	Email        = "EMAIL_ADDRESS"
	Phone        = "PHONE_NUMBER"
	CreditCard   = "CREDIT_CARD"
	IBAN         = "IBAN_CODE"
	IPAddress    = "IP_ADDRESS"
	USSSN        = "US_SSN"
	CASIN        = "CA_SIN"
	BRCPF        = "BR_CPF"
	BRCNPJ       = "BR_CNPJ"
	SGNRIC       = "SG_NRIC_FIN"
	UKNINO       = "UK_NINO"
	UKNHS        = "UK_NHS"
	ESNIF        = "ES_NIF"
	ESNIE        = "ES_NIE"
	ITFiscalCode = "IT_FISCAL_CODE"
	INAadhaar    = "IN_AADHAAR"
	Person       = "PERSON"
	Address      = "STREET_ADDRESS"
)

// Redaction levels; the same strings as regions.Level*.
const (
	LevelBasic    = "basic"
	LevelStandard = "standard"
	LevelStrict   = "strict"
)

// Category groups types by how they are treated by redaction levels and
// compliance rules.
type Category int

const (
	CategoryPayment   Category = iota // card numbers
	CategoryGovID                     // national identifiers
	CategoryContact                   // emails, phones
	CategoryFinancial                 // bank accounts
	CategoryNetwork                   // IP addresses
	CategoryIdentity                  // names and street addresses
)

var categories = map[string]Category{
	CreditCard: CategoryPayment,
	USSSN:      CategoryGovID, CASIN: CategoryGovID, BRCPF: CategoryGovID, BRCNPJ: CategoryGovID,
	SGNRIC: CategoryGovID, UKNINO: CategoryGovID, UKNHS: CategoryGovID, ESNIF: CategoryGovID,
	ESNIE: CategoryGovID, ITFiscalCode: CategoryGovID, INAadhaar: CategoryGovID,
	Email: CategoryContact, Phone: CategoryContact,
	IBAN:      CategoryFinancial,
	IPAddress: CategoryNetwork,
	Person:    CategoryIdentity, Address: CategoryIdentity,
}

// CategoryOf returns the category of an entity type; ok is false for
// unknown types.
func CategoryOf(typ string) (c Category, ok bool) {
	c, ok = categories[typ]
	return c, ok
}

// Types returns every entity type this package can report, sorted.
func Types() []string {
	out := make([]string, 0, len(categories))
	for t := range categories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Covered reports whether level redacts typ. basic covers payment data and
// government ids; standard adds contact data, bank accounts and IPs; strict
// adds names and street addresses. Unknown levels behave as strict: failing
// closed redacts too much rather than too little.
func Covered(level, typ string) bool {
	c, ok := categories[typ]
	if !ok {
		return false
	}
	switch level {
	case LevelBasic:
		return c == CategoryPayment || c == CategoryGovID
	case LevelStandard:
		return c != CategoryIdentity
	}
	return true
}

// Finding is one detected item: its type, the byte span [Start, End) in the
// text it was found in, and a confidence in (0, 1].
type Finding struct {
	Type  string
	Start int
	End   int
	Score float64
}
