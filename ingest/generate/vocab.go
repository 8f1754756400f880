package generate

// Everything in this file was written for Undertone's synthetic generator.
// Slots: {p} a topic's surface form, {f} one of its features, {c} a second
// topic (multi-brand posts), {n} a small number, {d} a weekday.

// Theme names the generator draws (the marketer themes plus questions and
// neutral chatter).
const (
	themeFears           = "fears"
	themeJoys            = "joys"
	themeFrustrations    = "frustrations"
	themeDisappointments = "disappointments"
	themeDesires         = "desires"
	themeConfusion       = "confusion"
	themeQuestions       = "questions"
	themeNeutral         = "neutral"
)

// themeWeights is the base mix (per mille) of themes.
var themeWeights = []struct {
	theme  string
	weight int
}{
	{themeJoys, 220}, {themeFrustrations, 180}, {themeFears, 130}, {themeDisappointments, 120},
	{themeDesires, 100}, {themeConfusion, 70}, {themeQuestions, 70}, {themeNeutral, 110},
}

var templates = map[string][]string{
	themeFears: {
		"I'm honestly scared the {f} on my {p} is going to give out",
		"Is it just me or does the {p} {f} feel like a disaster waiting to happen?",
		"Terrified to update my {p} after what happened to the {f} last time",
		"kinda nervous about trusting {p} with my {f} tbh",
		"Every time I look at the {f} on my {p} I get a little anxious",
		"I'm worried {p} is hiding a problem with the {f}",
		"What if the {f} on the {p} fails while I'm traveling? that's my nightmare",
		"Not gonna lie, the stories about the {p} {f} freak me out",
		"Anyone else afraid to leave their {p} unattended because of the {f}?",
		"My biggest fear with {p} is the {f} quietly getting worse",
		"I keep having this dread that {p} will drop support for the {f}",
		"Scared to recommend {p} to my mom because of the {f} thing",
		"The {f} on my {p} made a weird noise and now I'm panicking a bit",
		"I'm nervous that switching to {p} was a mistake, the {f} worries me",
	},
	themeJoys: {
		"Absolutely love the {f} on my {p}",
		"The {p} {f} is honestly the best thing I've bought this year",
		"{p} nailed it with the {f}, I'm so happy",
		"Shoutout to {p}, the {f} just works and it makes my day",
		"Been using {p} for {n} months and the {f} still delights me",
		"Huge thanks to the {p} team, the {f} is brilliant",
		"I'm genuinely proud I picked {p}, the {f} is amazing",
		"lol the {p} {f} is so good it's almost unfair",
		"Such a relief, the {f} on the {p} finally works perfectly",
		"The {f} on {p} makes me smile every single morning",
		"Can't stop bragging about my {p}, that {f} is fantastic",
		"Okay {p}, you won me over with the {f}",
		"So grateful the {p} support team sorted out my {f} in minutes",
		"The {p} {f} is gorgeous, no notes",
	},
	themeFrustrations: {
		"Why is the {f} on my {p} so bad?? I'm fed up",
		"{p} support is useless, {n} days and my {f} issue is still open",
		"Seriously annoyed with the {p} {f} right now",
		"The {f} on {p} is a joke and I'm done pretending it's fine",
		"Ugh, {p} broke the {f} again with the latest update",
		"I'm so sick of the {p} {f} acting up every {d}",
		"Who at {p} approved this {f}? it's infuriating",
		"Third time this week the {p} {f} failed on me. unacceptable",
		"Stop charging us more when the {p} {f} doesn't even work",
		"{p} please fix the {f}, this is ridiculous",
		"The {p} {f} is garbage and customer service keeps hanging up on me",
		"Absolutely livid, the {f} on my {p} died mid call",
		"How is the {p} {f} still this broken after {n} updates",
	},
	themeDisappointments: {
		"Kind of let down by the {f} on the {p}, expected more",
		"Sad to say the {p} {f} isn't what they promised",
		"I wanted to love the {p} but the {f} is just meh",
		"Really disappointed, my {p} {f} got worse after {n} weeks",
		"Regret buying the {p}, the {f} is a letdown",
		"The {p} used to have a great {f}, now it's nothing special",
		"Bit embarrassed I hyped the {p} to friends, the {f} flopped",
		"Honestly heartbroken, the {f} on my {p} never lived up to the ads",
		"Meh. the {p} {f} is fine I guess, just not worth the price",
		"Expected better from {p}, the {f} feels cheap",
		"So much hype for the {p} and the {f} is mediocre",
	},
	themeDesires: {
		"I wish {p} would make the {f} better",
		"If {p} improved the {f} I'd buy one tomorrow",
		"Really hoping the next {p} gets a proper {f}",
		"Dear {p}, all I want is a {f} that lasts",
		"Would love a {p} with a bigger {f}",
		"Can {p} please bring back the old {f}? I'd pay extra",
		"Dreaming of the day the {p} {f} gets an upgrade",
		"Someone tell {p} we want a better {f}",
		"Saving up for a {p}, mostly for the {f}",
		"Fingers crossed the {p} {f} update lands soon",
		"Thinking about getting a {p} just for the {f}",
	},
	themeConfusion: {
		"Wait, why does the {p} {f} behave differently after a restart?",
		"I don't get how the {f} on the {p} is supposed to work",
		"Confused, the {p} app says one thing about the {f} and the manual says another",
		"Huh? my {p} {f} just changed on its own",
		"Can someone explain the {p} {f} settings, I'm lost",
		"No idea what {p} means by the new {f} policy",
		"Just realized the {p} {f} has been off this whole time??",
		"Surprised nobody talks about how weird the {p} {f} menu is",
		"I'm so confused by the {p} {f} pricing",
		"Is the {f} on the {p} supposed to do that?",
	},
	themeQuestions: {
		"Does anyone know if the {p} {f} can be replaced?",
		"Quick question: how long does the {f} on the {p} usually last?",
		"Is the {p} worth it for the {f} alone?",
		"Anyone tried the {p} {f} in cold weather?",
		"How do I reset the {f} on my {p}?",
		"What's the best way to look after the {p} {f}?",
		"Thinking of switching, how's the {f} on the {p} these days?",
		"Has {p} said anything about the {f} issues?",
		"Which is better on the {p}, the old {f} or the new one?",
	},
	themeNeutral: {
		"Picked up a {p} on {d}",
		"Just updated my {p}, the {f} settings moved",
		"Reading the {p} {f} specs today",
		"Got the {p} for my brother",
		"{p} announced something about the {f} this week",
		"Switched the {f} mode on my {p}",
		"The {p} store near me opens at {n}",
		"Comparing the {p} {f} with my old one",
		"Watched a review of the {p} {f}",
		"My {p} arrived on {d}",
	},
}

// mixed are multi-brand templates: {p} gets a joy, {c} a fear or a
// frustration.
var mixed = []string{
	"I love my {p} but {c}'s {f} scares me",
	"Switched from {c} to {p} and honestly the {f} is so much better",
	"{p} gets the {f} right, {c} keeps messing it up",
	"Happy with my {p}, still worried about the {c} {f} my partner uses",
	"{c} made me furious, {p} made me smile, simple as that",
	"Never going back to {c}, the {p} {f} is a dream",
	"My {p} is great but I'm nervous about the {c} {f} everyone complains about",
}

// event templates describe the emerging fear: a battery that overheats and
// swells.
var eventTemplates = []string{
	"My {p} got really hot while charging overnight and the battery looks swollen. scared to use it",
	"Is anyone else's {p} battery bulging? mine is lifting the screen",
	"{p} battery overheating again, it was too hot to hold this morning",
	"Woke up to my {p} burning hot on the charger, the battery is swelling. terrified",
	"Seeing so many posts about {p} batteries swelling, now I'm afraid to charge mine",
	"The back of my {p} is puffing up, battery swelling?? I'm really worried it could catch fire",
	"Unplugged my {p} because it smelled like burning plastic near the battery",
	"{p} overheating and battery swelling, anyone got a reply from support?",
	"Afraid my {p} battery is about to explode, it's swollen and hot",
}

var nonEnglish = map[string][]string{
	"es": {
		"Me encanta mi {p}, la batería dura todo el día",
		"Estoy muy preocupado, mi {p} se calienta demasiado cuando lo cargo",
		"El servicio de {p} es terrible, llevo una semana esperando",
		"Ojalá {p} mejore la cámara en el próximo modelo",
	},
	"de": {
		"Ich liebe mein {p}, der Akku hält ewig",
		"Mein {p} wird beim Laden sehr heiß und ich habe Angst",
		"Der Kundendienst von {p} ist eine Katastrophe",
		"Ich wünsche mir, dass {p} endlich die Kamera verbessert",
	},
	"fr": {
		"J'adore mon {p}, l'écran est magnifique",
		"J'ai peur que la batterie de mon {p} explose, elle chauffe beaucoup",
		"Le service client de {p} ne répond jamais, c'est énervant",
	},
	"pt": {
		"Adoro o meu {p}, a câmera é incrível",
		"Estou com medo, o meu {p} esquenta muito quando carrega",
		"O atendimento da {p} é péssimo, ninguém responde",
	},
	"it": {
		"Adoro il mio {p}, la batteria dura tantissimo",
		"Ho paura che la batteria del mio {p} si gonfi, scalda troppo",
	},
}

var openers = map[string][]string{
	"forum":       {"Long time lurker here. ", "Update: ", "Hi all, ", "So, ", "PSA: ", ""},
	"reviews":     {"", "Verified purchase. ", "Review after {n} weeks: ", "Short review: "},
	"microblog":   {"", "", "ngl ", "ok so ", "honestly ", "lol "},
	"confessions": {"I've never told anyone this but ", "Confession: ", "Nobody knows this, ", "Not proud of it but ", ""},
}

var closers = map[string][]string{
	"forum":       {" Any advice appreciated.", " Thanks in advance.", " Anyone else?", " Will report back.", ""},
	"reviews":     {" {n}/5", " {n} stars.", " Would not buy again.", " Recommended.", ""},
	"microblog":   {"", "", " smh", " fr", " 🙃"},
	"confessions": {" I feel silly even saying it.", " Please don't judge.", " There, I said it.", ""},
}

var themeEmoji = map[string][]string{
	themeFears:           {"😰", "😨", "😬", "🔥", "😟"},
	themeJoys:            {"😍", "🙌", "❤️", "✨", "😊", "🎉"},
	themeFrustrations:    {"😤", "🤬", "🙄", "😡", "👎"},
	themeDisappointments: {"😞", "😕", "💔", "😔"},
	themeDesires:         {"🤞", "🙏", "💭"},
	themeConfusion:       {"🤔", "😵", "❓"},
	themeQuestions:       {"🤔", "❓"},
	themeNeutral:         {"📦", "📱", ""},
}

var themeTags = map[string][]string{
	themeFears:           {"#worried", "#help", "#safety"},
	themeJoys:            {"#love", "#happy", "#winning"},
	themeFrustrations:    {"#fail", "#fixit", "#annoyed"},
	themeDisappointments: {"#meh", "#letdown"},
	themeDesires:         {"#wishlist", "#someday"},
	themeConfusion:       {"#confused", "#wtf"},
	themeQuestions:       {"#askingforafriend", "#help"},
	themeNeutral:         {"#tech", "#today"},
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// Author handle parts: handles are adjective_noun + number.
var (
	handleAdj  = []string{"quiet", "lucky", "sleepy", "brave", "salty", "cosmic", "rusty", "mellow", "swift", "grumpy", "sunny", "tiny", "witty", "fuzzy", "bold", "calm"}
	handleNoun = []string{"otter", "falcon", "maple", "pixel", "comet", "badger", "lemon", "harbor", "tiger", "cactus", "walrus", "ember", "nomad", "pebble", "raven", "koala"}
	firstNames = []string{"Dana", "Ravi", "Mei", "Tomasz", "Aisha", "Lukas", "Sofia", "Kwame", "Ines", "Jonah", "Priya", "Mateo"}
	lastNames  = []string{"Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak", "Haddad", "Brennan", "Silva", "Kowalski", "Reyes"}
	mailHosts  = []string{"example.com", "mail.example.org", "example.net", "inbox.example.com"}
	threads    = []string{"batteries", "help-desk", "buying-advice", "rants", "show-and-tell", "general"}
)

// piiTemplates are appended to some posts; the ingest anonymizer must scrub
// them. {e} e-mail, {ph} phone, {h} handle, {nm} a first name.
var piiTemplates = []string{
	" email me at {e}",
	" you can reach me on {ph}",
	" cc {h}",
	" my number is {ph} if support wants to call",
	" dm {h} for details",
	" contact: {e}",
	" thanks {h}!",
}

var phoneFormats = []string{
	"+1 (555) 01{d}-{dddd}", "555-01{d}-{dddd}", "+44 20 7946 0{ddd}", "+49 30 1234{ddd}", "07700 900{ddd}",
}
