// Package macros parses and expands the {macro} templates of integrations:
// the URL, header and field templates of each mode, campaign postback URLs and
// the text a script passes to macro().
//
// # Syntax
//
// A macro is {name} or {name:arg}. A name is small letters, digits and "_";
// an argument is letters and digits of any script, "_", "-" and ".". Only known
// macros are replaced: any other brace sequence is text, kept exactly as
// written, so JSON and GraphQL bodies need no escaping ({"a":{id}} expands
// only {id}; { query { x } } stays). A known name written another way is
// text too: {id:1} (the id takes no argument) and {ID} are left alone.
//
// Parse refuses only known macros used wrongly: a macro that needs an argument
// written without one ({ofp}, {meta}, {file}, {secret}, ...), and {offer:x}
// with a field the offer does not have. Those are mistakes in a template, and
// Parse runs when an integration is saved, so the author hears of them there;
// for the literal text write the braces with spaces, "{ meta }" (GraphQL
// allows that). A GraphQL selection written {id} without spaces is the {id}
// macro: write { id }.
//
// # Values
//
// A known macro whose data is missing expands to "": no lead, no offer, an
// unset field, an unknown parameter. Identifiers (ids, {delivery}, {rcode})
// read "" when 0, which means none. Amounts and quantities of a lead read as
// numbers, 0 included, without exponent and without a fraction when whole
// (49 → "49", 49.5 → "49.5"); {mobile} and {bad} read 0 or 1. Only {time}
// has a value without data: the clock's now when Data.Now is zero.
//
// # Positions
//
// Expand escapes values, never the template's own text, for where they go:
// InURL percent-encodes every byte but letters, digits and "-._~"; InHeader
// removes CR, LF and the other control characters but the tab; InField
// leaves values raw for the body's encoder.
//
// # Macros
//
// Order data:
//
//	{id}        the order id
//	{eid}       the encrypted order id: an opaque, URL-safe token that leadrelay
//	            turns back into the id and nobody else can forge; also the lead
//	            token of the API
//	{ext}       the order id at the target CRM (for sending changes)
//	{name}      the customer's name
//	{last}      the customer's surname, from the last field
//	{fname}     the customer's full name: name and last
//	{email}     the customer's email
//	{pass}      the customer's password, from the custom field pass
//	{lang}      the customer's language: the language part of the lang field,
//	            else the main language of the country; lower case
//	{langup}    {lang} in capital letters
//	{iname}     smart first name: name when last is set, else the first half of
//	            the name's words (the odd word goes here; a single word is all
//	            first name); use with {ilast}
//	{ilast}     smart last name: last when it is set, else the second half of
//	            the name's words; use with {iname}
//	{ipass}     smart password: the pass custom field, else one generated from
//	            the lead (a capital, six small letters, three digits), the same
//	            on every retry
//	{imail}     smart email: the customer's email, else an address generated
//	            from the lead at LEADRELAY_IMAIL_DOMAIN (default example.com),
//	            the same on every retry
//	{phone}     the customer's phone: digits with the country calling code
//	            (added from the country when the stored phone lacks it)
//	{iphone}    {phone} with a leading +
//	{cphone}    the customer's phone without the country calling code (and
//	            without a trunk prefix such as 0)
//	{phonecc}   the phone's country calling code: the phonecc or phc field, else
//	            the country's
//	{iphonecc}  {phonecc} with a leading +
//	{geo}       the ISO country code in small letters
//	{country}   the ISO country code in small letters
//	{geoup}     the ISO country code in capital letters
//	{comment}   the order comment
//	{index}     the ZIP code for delivery
//	{area}      the delivery region
//	{city}      the delivery city
//	{street}    the delivery street
//	{house}     house, building and apartment
//	{addr}      the delivery address without the ZIP code: area, city, street,
//	            house, the ones that are set, joined by ", "
//	{fulladdr}  the delivery address with the ZIP code first
//	{straddr}   the street address: street and house
//	{delivery}  the internal delivery type id (empty when none)
//	{discount}  the product discount, in percent
//	{count}     the quantity of goods
//	{currency}  the order currency as stored
//	{curr}      the three-letter ISO code of the order currency, in capital
//	            letters
//	{price}     the total order price
//	{base}      the unit price
//	{delpr}     the shipping cost
//	{more}      an additional markup (or, negative, discount) on delivery, in
//	            the order currency
//	{offer}     the offer id
//	{siteurl}   smart landing address: the landing's url param, else the
//	            landing's URL, else the offer's url param
//	{sitename}  the landing's name
//	{spaceurl}  the prelanding's URL
//	{spacename} the prelanding's name
//	{land}      the landing's URL, if there is one
//	{preland}   the prelanding's URL, if there is one
//	{domain}    the site's domain: the host of {siteurl}
//	{wm}        the affiliate id
//	{wmi}       smart affiliate id: the agent's id for agent traffic, else the
//	            affiliate id
//	{wmname}    the affiliate's name
//	{wmmail}    the affiliate's email
//	{exti}      the agency id
//	{extu}      the order id at the agency
//	{exts}      the source id at the agency
//	{click}     the internal click id
//	{subid}     the subid (x32) tag
//	{uuid}      the uuid (x64) tag
//	{sub1}      the sub1 tag
//	{sub2}      the sub2 tag
//	{sub3}      the sub3 tag
//	{sub4}      the sub4 tag
//	{sub5}      the sub5 tag
//	{utms}      the utm_source tag
//	{utmc}      the utm_campaign tag
//	{utmn}      the utm_content tag
//	{utmt}      the utm_term tag
//	{utmm}      the utm_medium tag
//	{ip}        the customer's IP address
//	{ip4}       the customer's IPv4 address, empty for IPv6
//	{ip6}       the customer's IPv6 address, empty for IPv4
//	{ua}        the customer's User-Agent
//	{mobile}    traffic type: 0 desktop, 1 mobile
//	{bad}       traffic quality: 0 normal, 1 suspicious
//	{cwm}       the affiliate's commission in the system currency
//	{cwmr}      the affiliate's commission in the real currency
//	{cwmc}      the ISO code of the real currency of the affiliate's commission
//	{cpay}      the advertiser's commission in the system currency
//	{cpayr}     the advertiser's commission in the real currency
//	{cpayc}     the ISO code of the real currency of the advertiser's commission
//
// Parameters, x being the argument:
//
//	{ofp:x}     the offer parameter named by the argument
//	{ofpg:x}    the offer parameter named by the argument, for the lead's
//	            country
//	{goal:x}    the goal parameter named by the argument
//	{site:x}    the landing's parameter named by the argument
//	{space:x}   the prelanding's parameter named by the argument
//	{offer:x}   a main field of the offer: id or name
//	{meta:x}    the order's custom field named by the argument
//	{file:x}    the file in the order's custom field named by the argument: its
//	            file name in text; attached as a file in multipart bodies
//
// Status notifications (tracker postbacks), valid everywhere:
//
//	{click_id}  the tracker's click id: click_id from the intake, else sub1
//	{lead_id}   the order id at the CRM (the ext)
//	{status}    the status (a postback's, else the lead's): its label from the
//	            postback labels, by status name, else by stage; else the status
//	            name
//	{stage}     the stage of the status: wait, approve, cancel or trash
//	{rcode}     the cancel reason code (empty when there is none)
//	{reason}    the cancel reason's name
//	{payout}    the affiliate's commission, as {cwm}
//	{amount}    the affiliate's commission formatted 0.00: a dot and two
//	            decimals
//	{campaign}  the campaign alias
//	{time}      the time now, in Unix seconds
//	{secret:x}  the integration's secret named by the argument
//
// # Details
//
// The phone macros read the stored phone (digits only; any other characters
// are ignored) through the phonenumbers library: the digits as an
// international number when that is valid for the lead's calling code
// (phonecc, else phc, else the country's); else as a national number of the
// country, trunk prefix dropped; else as a valid number of another country;
// else the calling code is taken off the front when it is there. Parsing is
// slow, so results are kept in a small fixed-size cache.
//
// {eid}, the generated {ipass} and the generated {imail} come from Tokens,
// keyed by LEADRELAY_SECRET: the same lead gives the same values on every
// retry, and nobody without the secret can compute them. Tokens.Decode turns
// an {eid} back into the id.
package macros
