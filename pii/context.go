package pii

import (
	"strings"
	"unicode/utf8"
)

// Context words. A weak match (a bare 9-digit number) is only personal data
// if the text around it says so; a strong-looking one is not if the text
// calls it an order or tracking number. Words are lower-case; ASCII words
// match on word boundaries, others (CJK, Cyrillic, Arabic) as substrings.
// Lists cover en es fr de pt it nl sv pl ru ja zh ar where the language has
// a term; national ids also keep their own-language names because they are
// written that way whatever the email's language.
var positiveContext = map[string][]string{
	CreditCard: {"card", "credit", "debit", "visa", "mastercard", "amex", "cc", "tarjeta", "crédito", "credito",
		"carte", "bancaire", "kreditkarte", "karte", "cartão", "cartao", "carta", "creditcard", "kaart",
		"kort", "kortnummer", "karta", "kredytowa", "карта", "карты", "カード", "クレジット", "信用卡", "卡号", "بطاقة"},
	USSSN: {"ssn", "social security", "ss#", "ssn#", "seguro social", "sécurité sociale", "sozialversicherung",
		"taxpayer", "itin", "社会保障", "社会安全"},
	CASIN:        {"sin", "social insurance", "nas", "assurance sociale", "numéro d'assurance sociale"},
	UKNHS:        {"nhs", "national health", "health service", "patient", "medical record"},
	UKNINO:       {"nino", "national insurance", "ni number", "insurance number"},
	BRCPF:        {"cpf", "cadastro de pessoas", "contribuinte"},
	BRCNPJ:       {"cnpj", "empresa", "cadastro nacional"},
	INAadhaar:    {"aadhaar", "aadhar", "uidai", "आधार", "uid"},
	SGNRIC:       {"nric", "fin", "identity card", "ic number"},
	ESNIF:        {"nif", "dni", "documento", "identidad", "fiscal", "cif"},
	ESNIE:        {"nie", "extranjero", "extranjería", "identidad"},
	ITFiscalCode: {"codice fiscale", "cf", "fiscale", "partita iva", "p.iva", "tessera sanitaria"},
	Phone: {"phone", "tel", "telephone", "mobile", "cell", "call", "fax", "whatsapp", "teléfono", "telefono",
		"móvil", "movil", "llamar", "téléphone", "portable", "appeler", "telefon", "handy", "mobil", "rufnummer",
		"celular", "telemóvel", "cellulare", "numero", "bellen", "mobiel", "ring", "telefonnummer", "komórka",
		"telefonu", "телефон", "тел", "моб", "電話", "携帯", "电话", "手机", "هاتف", "جوال"},
	IBAN:      {"iban", "bank", "account", "konto", "cuenta", "compte", "conta", "conto", "rekening"},
	IPAddress: {"ip", "ipv4", "ipv6", "address", "host", "server", "adresse", "dirección"},
}

// govIDContext raises every national identifier: people say "my ID is"
// without naming the scheme.
var govIDContext = []string{"id", "identity", "identification", "passport", "tax", "steuer", "steuernummer",
	"identifiant", "identité", "identificación", "identidade", "identità", "legitimatie", "personnummer",
	"identyfikacyjny", "pesel", "паспорт", "инн", "snils", "マイナンバー", "身份证", "هوية", "national id"}

// negativeContext lowers any numeric match: identifiers of things, not
// people.
var negativeContext = []string{"order", "invoice", "tracking", "ref", "reference", "ticket", "case",
	"version", "build", "release", "sku", "part", "serial", "shipment", "parcel", "awb",
	"bestellnummer", "bestellung", "rechnung", "rechnungsnummer", "sendungsnummer", "auftrag",
	"commande", "facture", "suivi", "colis", "pedido", "factura", "seguimiento", "envío", "encomenda",
	"fatura", "rastreio", "ordine", "fattura", "spedizione", "bestelling", "factuur", "zending",
	"beställning", "faktura", "zamówienie", "faktura", "przesyłka", "заказ", "счет", "счёт", "трек",
	"注文", "請求書", "追跡", "订单", "发票", "运单", "طلب", "فاتورة", "isbn", "model", "v."}

// window returns up to n bytes of text before start on rune boundaries,
// lower-cased.
func window(text string, start, n int) string {
	s := start - n
	if s < 0 {
		s = 0
	}
	for s > 0 && s < start && !utf8.RuneStart(text[s]) {
		s++
	}
	return strings.ToLower(text[s:start])
}

// hasWord reports whether w occurs in win as a word (ASCII boundaries) or,
// for non-ASCII words, as a substring.
func hasWord(win, w string) bool {
	off := 0
	for {
		k := strings.Index(win[off:], w)
		if k < 0 {
			return false
		}
		k += off
		if w[0] >= 0x80 {
			return true
		}
		before := k == 0 || !isAlnum(win[k-1])
		after := k+len(w) >= len(win) || !isAlnum(win[k+len(w)])
		if before && after {
			return true
		}
		off = k + 1
	}
}

func anyWord(win string, words []string) bool {
	for _, w := range words {
		if hasWord(win, w) {
			return true
		}
	}
	return false
}

const (
	contextWindow = 48
	contextBoost  = 0.3
	contextDrop   = 0.45
)

// adjust applies context to a base score: a positive word for the type (or
// any identity word for a national id) in the preceding window raises it; a
// negative word with no positive one lowers it.
func adjust(text string, start, end int, typ string, score float64) float64 {
	if typ == Email {
		return score
	}
	win := window(text, start, contextWindow)
	pos := anyWord(win, positiveContext[typ])
	if !pos {
		if c, _ := CategoryOf(typ); c == CategoryGovID {
			pos = anyWord(win, govIDContext)
		}
	}
	if pos {
		score += contextBoost
		if score > 1 {
			score = 1
		}
		return score
	}
	if anyWord(win, negativeContext) {
		score -= contextDrop
	}
	return score
}
