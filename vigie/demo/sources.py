"""The fictional sites of the demo world: who they are and how each one writes.

Established outlets and the independent blogs publish every day; the campaign network and its
relays are new sites whose feeds start two days before the end of the timeline. Every name and
domain is invented, except the two look-alikes, which imitate real newspapers on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vigie.demo.manifest import DemoSource


@dataclass(frozen=True)
class Style:
    """How an outlet writes: shapes the organic articles it is given to compose."""

    min_facts: int = 4
    max_facts: int = 6
    dateline: str = ""  # "caps" (BREST —), "paren" ((Brest)), "" (none)
    html: bool = False  # wrap paragraphs in <p> and quotes in <em>
    connectors: tuple[str, ...] = ()
    section: str = "actualite"
    guid_permalink: bool = True
    kicker: str = ""  # headline prefix for some stories, e.g. "DIRECT"


@dataclass(frozen=True)
class Outlet:
    source: DemoSource
    style: Style = field(default_factory=Style)
    syndicates: str = ""  # agency whose dispatches it republishes daily ("afp", "reuters")
    attribution: str = ""  # how it credits the agency: "prefix", "suffix", "with"


def _src(slug, name, domain, lang, region, kind, country, fmt="rss") -> DemoSource:
    return DemoSource(slug, name, f"https://{domain}/", lang, region, kind, country, fmt)


FR_LINK = ("Par ailleurs, ", "De son côté, ", "À noter : ", "En outre, ", "Autre point : ")
FR_LINK2 = ("Dans le même temps, ", "Reste que ", "Pour mémoire, ", "Précision : ")
EN_LINK = ("Meanwhile, ", "Separately, ", "Officials added that ", "Also, ")
EN_LINK2 = ("In addition, ", "For context, ", "Notably, ", "Elsewhere, ")

OUTLETS: list[Outlet] = [
    # French-language established outlets (fictional)
    Outlet(_src("courrier-rhone", "Le Courrier du Rhône", "courrier-rhone.fr", "fr",
                "Auvergne-Rhône-Alpes", "established", "FR"),
           Style(4, 6, "caps", True, FR_LINK, "france"), "afp", "prefix"),
    Outlet(_src("echo-estuaire", "L'Écho de l'Estuaire", "echo-estuaire.fr", "fr",
                "Pays de la Loire", "established", "FR"),
           Style(5, 7, "", False, FR_LINK2, "info"), "afp", "suffix"),
    Outlet(_src("phare-finistere", "Le Phare du Finistère", "pharefinistere.fr", "fr",
                "Bretagne", "established", "FR", "atom"),
           Style(4, 5, "paren", True, (), "region", False)),
    Outlet(_src("deux-rives", "Le Journal des Deux Rives", "journal-deuxrives.fr", "fr",
                "Grand Est", "established", "FR"),
           Style(5, 6, "", True, FR_LINK, "monde-et-france"), "afp", "with"),
    Outlet(_src("midi-matin", "Midi Matin", "midimatin.fr", "fr",
                "Occitanie", "established", "FR"),
           Style(3, 5, "caps", False, FR_LINK2, "actu", False, "INFO"), "afp", "prefix"),
    Outlet(_src("republicain-alpes", "Le Républicain des Alpes", "republicain-alpes.fr", "fr",
                "Auvergne-Rhône-Alpes", "established", "FR"),
           Style(5, 7, "", False, FR_LINK + FR_LINK2, "nation"), "afp", "suffix"),
    Outlet(_src("gazette-lutece", "La Gazette de Lutèce", "gazette-lutece.fr", "fr",
                "Île-de-France", "established", "FR"),
           Style(4, 6, "paren", True, FR_LINK2, "politique", False)),
    Outlet(_src("nord-depeche", "Nord Dépêche", "nord-depeche.fr", "fr",
                "Hauts-de-France", "established", "FR"),
           Style(3, 5, "caps", True, FR_LINK, "depeches", True, "DIRECT"), "afp", "with"),
    Outlet(_src("radio-opale", "Radio Côte d'Opale", "radio-cotedopale.fr", "fr",
                "Hauts-de-France", "established", "FR"),
           Style(3, 4, "", False, (), "info-locale", False)),
    Outlet(_src("observateur-liege", "L'Observateur de Liège", "observateur-liege.be", "fr",
                "Wallonie", "established", "BE", "atom"),
           Style(4, 6, "paren", True, FR_LINK2, "international")),
    # English-language established outlets (fictional)
    Outlet(_src("channel-herald", "The Channel Herald", "channelherald.co.uk", "en",
                "South West England", "established", "GB"),
           Style(4, 6, "caps", True, EN_LINK, "news"), "reuters", "prefix"),
    Outlet(_src("northern-ledger", "The Northern Ledger", "northernledger.co.uk", "en",
                "Yorkshire", "established", "GB"),
           Style(5, 7, "", False, EN_LINK2, "world"), "reuters", "suffix"),
    Outlet(_src("harbour-times", "Harbour City Times", "harbourcitytimes.ie", "en",
                "Munster", "established", "IE"),
           Style(4, 5, "paren", True, EN_LINK, "news", False), "reuters", "with"),
    Outlet(_src("lakeshore-tribune", "The Lakeshore Tribune", "lakeshore-tribune.ca", "en",
                "Ontario", "established", "CA"),
           Style(4, 6, "caps", False, EN_LINK + EN_LINK2, "world"), "reuters", "prefix"),
    Outlet(_src("westfield-daily", "Westfield Daily", "westfielddaily.com", "en",
                "New England", "established", "US"),
           Style(3, 5, "", True, EN_LINK2, "international", True, "LIVE"), "reuters", "suffix"),
    Outlet(_src("meridian-news", "Meridian Broadcast News", "meridian-news.co.uk", "en",
                "London", "established", "GB", "atom"),
           Style(3, 5, "", False, (), "bulletin", False)),
    # Independent blogs: old, small, not on any list of established media
    Outlet(_src("presquile-blog", "Le Blog de la Presqu'île", "presquile-blog.fr", "fr",
                "Bretagne", "independent", "FR"),
           Style(3, 4, "", False, ("Bon, ", "Pour info, "), "billets", False)),
    Outlet(_src("rails-roads", "Rails & Roads Weekly", "railsandroads.net", "en",
                "Europe", "independent", "GB"),
           Style(3, 4, "", False, ("Worth noting: ",), "posts", False)),
]

# The coordinated network: two look-alikes of real newspapers, five new "news" sites.
CAMPAIGN: list[DemoSource] = [
    _src("lemonde-ltd", "Le Monde", "lemonde.ltd", "fr", "Sahel", "campaign", ""),
    _src("lefigaro-com-co", "Le Figaro", "lefigaro.com.co", "fr", "Sahel", "campaign", ""),
    _src("sahel-verite", "Sahel Vérité", "sahel-verite.info", "fr", "Sahel", "campaign", ""),
    _src("eveil-africain", "L'Éveil Africain", "eveil-africain.net", "fr", "Sahel", "campaign",
         "", "atom"),
    _src("regard-souverain", "Le Regard Souverain", "regard-souverain.com", "fr", "Sahel",
         "campaign", ""),
    _src("infolibre24", "Info Libre 24", "infolibre24.net", "fr", "Sahel", "campaign", ""),
    _src("afrique-debout", "Afrique Debout Média", "afriquedebout-media.com", "fr", "Sahel",
         "campaign", ""),
]

# Translated relays of the network's stories, also new.
RELAYS: list[DemoSource] = [
    _src("globalsouth-monitor", "Global South Monitor", "globalsouthmonitor.net", "en",
         "Sahel", "relay", ""),
    _src("free-continent", "The Free Continent", "freecontinent-news.com", "en", "Sahel",
         "relay", "", "atom"),
    _src("sahel-novosti", "Сахель Новости", "sahel-novosti.ru", "ru", "Sahel", "relay", ""),
]


def all_sources() -> list[DemoSource]:
    return [o.source for o in OUTLETS] + CAMPAIGN + RELAYS


def outlets_in(language: str) -> list[Outlet]:
    return [o for o in OUTLETS if o.source.language == language]
