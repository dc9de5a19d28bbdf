package langid

import "github.com/triage-dev/triage/langid/internal/ngram"

// Function words: short, very frequent words that are distinctive for one
// Latin-script language (words common to several, such as "de", "la",
// "en", "problema", are deliberately left out). Short subjects and one-line
// replies often have too few letters for the n-gram model alone; a function
// word is strong, cheap evidence. The lists were written from general
// knowledge of each language, not from any evaluation data.
var functionWords = map[string][]string{
	"en": {"the", "and", "is", "are", "with", "this", "that", "have", "please", "you", "your", "will", "would", "from", "thanks", "regarding", "of", "to", "my", "our", "we", "not", "can", "about", "for", "it", "be", "an", "on"},
	"es": {"el", "los", "las", "del", "por", "una", "pero", "muy", "gracias", "hola", "solicitud", "necesito", "usted", "ustedes", "y", "mi", "su", "sus", "nuestro", "estimado", "estimada", "sobre", "cuando", "también", "hay", "esta", "este", "es"},
	"fr": {"le", "les", "des", "est", "pour", "avec", "dans", "pas", "nous", "vous", "je", "merci", "bonjour", "demande", "votre", "vos", "avez", "et", "du", "au", "aux", "une", "sur", "mon", "notre", "cette", "ce", "être"},
	"de": {"der", "die", "das", "und", "ist", "nicht", "mit", "ich", "sie", "wir", "für", "bei", "auf", "ein", "eine", "bitte", "danke", "anfrage", "ihre", "ihr", "zur", "zum", "vom", "von", "den", "dem", "des", "sehr", "unser", "unsere", "wegen", "über", "sind", "haben", "werden"},
	"pt": {"não", "uma", "são", "você", "vocês", "obrigado", "obrigada", "olá", "pedido", "solicitação", "dos", "ao", "à", "às", "na", "no", "nas", "nos", "meu", "minha", "nosso", "nossa", "sua", "seu", "é", "em", "e", "problemas", "também", "sobre"},
	"it": {"il", "gli", "della", "delle", "dei", "che", "è", "sono", "non", "grazie", "ciao", "richiesta", "vostro", "vostra", "nostro", "nostra", "di", "per", "con", "un", "alla", "al", "nel", "sul", "anche", "questo", "questa"},
	"nl": {"het", "een", "van", "niet", "zijn", "wij", "ik", "voor", "met", "dank", "bedankt", "graag", "aanvraag", "probleem", "uw", "jullie", "ook", "op", "aan", "is", "we"},
	"sv": {"och", "att", "det", "är", "inte", "för", "med", "jag", "vi", "tack", "hej", "ett", "på", "av", "om", "till", "vår", "din", "ni"},
	"pl": {"nie", "się", "jest", "że", "dla", "proszę", "dziękuję", "oraz", "jak", "ale", "czy", "w", "z", "na", "do", "od", "jestem", "mój"},
	"ca": {"amb", "els", "què", "és", "gràcies", "això", "per", "molt", "aquest", "aquesta"},
	"ro": {"și", "este", "pentru", "nu", "cu", "în", "vă", "mulțumesc", "sunt", "care", "din"},
	"da": {"og", "ikke", "jeg", "til", "af", "venlig", "hilsen", "har", "vil", "mig"},
	"tr": {"ve", "bir", "bu", "için", "ile", "değil", "teşekkür", "lütfen", "sorun", "ben", "siz"},
}

// wordSalt separates whole-word keys from n-gram keys in the same hash space.
const wordSalt = 0x9e3779b97f4a7c15

// wordBonus is the credit (1/16 nat units) a language gets per function
// word: about two nats, the weight of a couple of characteristic letters.
const wordBonus = 32

// extraPenalty handicaps the confusable extra languages (ca, ro, da, tr):
// in the mail this system sees they are far rarer than their big neighbours
// (es, it, sv, ...), so the prior for them is lower. About 1.5 nats.
const extraPenalty = 24

func wordKey(w []rune) uint64 { return ngram.Key(w) ^ wordSalt }

func buildWordIndex(langs []string) map[uint64]uint32 {
	idx := map[uint64]uint32{}
	for i, l := range langs {
		for _, w := range functionWords[l] {
			idx[wordKey([]rune(w))] |= 1 << i
		}
	}
	return idx
}
