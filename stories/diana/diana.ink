// Diana and the House of Mirrors: an original mystery in English and Spanish.
// One file, one state structure: every line picks its language with t(en, es) and the `lang`
// variable, so /lang can switch mid-story. The bot writes the variables below before every turn.
// Tags: #chapter:N, #scene:<id>, #emo:<trait>+<n>, #ask:<id> (with a hidden #answer choice),
// #gate:vip, #gate:resonance. Externals: vip(), reward(n), unlock(item), has_item(item).

VAR lang = "en"
VAR is_vip = false
VAR besitos = 0
VAR resonance = 0.0
VAR mood = "neutral"
VAR dominant = "none"
VAR arch_explorer = 0.0
VAR arch_direct = 0.0
VAR arch_poet = 0.0
VAR arch_empath = 0.0
VAR arch_persistent = 0.0
VAR trust = 0

EXTERNAL vip()
EXTERNAL reward(amount)
EXTERNAL unlock(item)
EXTERNAL has_item(item)

-> chapter_1

=== function vip()
~ return is_vip

=== function reward(amount)
~ return

=== function unlock(item)
~ return

=== function has_item(item)
~ return false

=== function t(en, es)
{ lang == "es":
    ~ return es
- else:
    ~ return en
}

// ───────────────────────── Chapter 1: The Invitation ─────────────────────────
=== chapter_1 ===
{t("Chapter 1 · The Invitation", "Capítulo 1 · La invitación")} #chapter:1
-> c1_01

=== c1_01 ===
{t("The envelope is black, sealed with silver wax. Inside, a single line: The House of Mirrors opens its gate for you tonight. D.", "El sobre es negro, sellado con lacre plateado. Dentro, una sola línea: La Casa de los Espejos abre su verja para ti esta noche. D.")} #scene:1_01
+ [{t("Go at once", "Ir enseguida")} #emo:direct+2] -> c1_02
+ [{t("Study the seal first", "Estudiar primero el sello")} #emo:explorer+2] -> c1_02
+ {arch_poet >= 0.5} [{t("Read the line aloud, slowly, like a verse", "Leer la línea en voz alta, despacio, como un verso")} #emo:poet+2] -> c1_02

=== c1_02 ===
{t("The house stands at the end of a street that was not there yesterday. Every window reflects the moon, though the moon is behind you.", "La casa está al final de una calle que ayer no existía. Cada ventana refleja la luna, aunque la luna está a tu espalda.")} #scene:1_02
+ [{t("Walk to the gate", "Caminar hasta la verja")}] -> c1_03

=== c1_03 ===
{t("A tall man waits behind the iron bars, gloves folded in one hand. I am Lucien, he says. Nobody reaches Diana except through me.", "Un hombre alto espera tras los barrotes de hierro, con los guantes doblados en una mano. Soy Lucien, dice. Nadie llega a Diana si no es a través de mí.")} #scene:1_03
+ [{t("Then let me through", "Entonces déjame pasar")} #emo:direct+2] -> c1_04
+ [{t("What does she want from me?", "¿Qué quiere ella de mí?")} #emo:explorer+1] -> c1_04
+ {arch_empath >= 0.5} [{t("You look tired, Lucien. Long night?", "Pareces cansado, Lucien. ¿Larga noche?")} #emo:empath+2] -> c1_04_kind
+ {mood == "guarded"} [{t("Keep your distance from the bars", "Mantener la distancia con los barrotes")} #emo:persistent+1] -> c1_04

=== c1_04_kind ===
~ trust += 1
{t("Lucien blinks, as if nobody has asked him anything in years. Every night is long here, he admits.", "Lucien parpadea, como si nadie le hubiera preguntado nada en años. Aquí todas las noches son largas, admite.")} #scene:1_04b
+ [{t("Go on", "Seguir")}] -> c1_04

=== c1_04 ===
{t("He studies you the way a jeweller studies a stone. Diana collects people who see what others miss. Tell me, what brought you here?", "Te estudia como un joyero estudia una piedra. Diana colecciona a personas que ven lo que otros no ven. Dime, ¿qué te ha traído hasta aquí?")} #scene:1_04 #ask:why_here
+ [{t("(answer)", "(respuesta)")} #answer] -> c1_05
+ [{t("Say nothing", "No decir nada")} #emo:persistent+1] -> c1_05

=== c1_05 ===
{t("Lucien nods once. An honest answer is a key, he says, though not always to the door you expect.", "Lucien asiente una vez. Una respuesta sincera es una llave, dice, aunque no siempre de la puerta que esperas.")} #scene:1_05
+ [{t("Ask about the mirrors", "Preguntar por los espejos")} #emo:explorer+1] -> c1_06
+ [{t("Ask about Diana", "Preguntar por Diana")} #emo:empath+1] -> c1_06

=== c1_06 ===
{t("The mirrors remember, he says. Diana has not left this house for a year. The city says she vanished. The city is wrong, but not entirely.", "Los espejos recuerdan, dice. Diana no ha salido de esta casa en un año. La ciudad dice que desapareció. La ciudad se equivoca, pero no del todo.")} #scene:1_06
+ [{t("Continue", "Continuar")}] -> c1_07

=== c1_07 ===
{t("He produces a small riddle on a card: I show your face but keep none; I hold the room but own no stone. What am I?", "Saca una pequeña adivinanza en una tarjeta: Muestro tu cara pero no guardo ninguna; sostengo la sala pero no tengo piedra. ¿Qué soy?")} #scene:1_07
+ [{t("A mirror", "Un espejo")} #emo:direct+1] -> c1_08
+ [{t("A window at night", "Una ventana de noche")} #emo:poet+1] -> c1_08
+ [{t("Turn the card over first", "Dar la vuelta a la tarjeta primero")} #emo:explorer+2] -> c1_08

=== c1_08 ===
{t("Lucien almost smiles. The answer matters less than how you reached it. The gate unlocks with a sound like a held breath.", "Lucien casi sonríe. La respuesta importa menos que cómo llegaste a ella. La verja se abre con un sonido como de aliento contenido.")} #scene:1_08
~ trust += 1
+ [{t("Step inside", "Entrar")}] -> c1_09

=== c1_09 ===
{t("The hall is lined with mirrors. In each one you are a little different: braver in one, sadder in another.", "El vestíbulo está cubierto de espejos. En cada uno eres un poco distinto: más valiente en uno, más triste en otro.")} #scene:1_09
+ [{t("Look for your truest reflection", "Buscar tu reflejo más verdadero")} #emo:poet+1] -> c1_10
+ [{t("Ignore them and follow Lucien", "Ignorarlos y seguir a Lucien")} #emo:direct+1] -> c1_10

=== c1_10 ===
{t("At the foot of the stairs Lucien stops. That is enough for one night. Come back tomorrow, and she may be curious about you.", "Al pie de la escalera Lucien se detiene. Basta por una noche. Vuelve mañana y quizá ella sienta curiosidad por ti.")} #scene:1_10
~ reward(10)
+ [{t("Promise to return", "Prometer que volverás")} #emo:persistent+2] -> chapter_2
+ [{t("Leave without a word", "Marcharte sin decir nada")} #emo:direct+1] -> chapter_2

// ───────────────────────── Chapter 2: The Gallery ─────────────────────────
=== chapter_2 ===
{t("Chapter 2 · The Gallery", "Capítulo 2 · La galería")} #chapter:2
-> c2_01

=== c2_01 ===
{t("The next night the gate is already open. Lucien leads you into a long gallery where every portrait has its face covered with grey silk.", "La noche siguiente la verja ya está abierta. Lucien te lleva a una larga galería donde cada retrato tiene el rostro cubierto con seda gris.")} #scene:2_01
+ [{t("Why are the faces hidden?", "¿Por qué están ocultos los rostros?")} #emo:explorer+1] -> c2_02
+ [{t("Walk the gallery in silence", "Recorrer la galería en silencio")} #emo:poet+1] -> c2_02

=== c2_02 ===
{t("Rules of the house, Lucien says. One: never lift the silk. Two: never ask Diana her age. Three: if you hear music, do not follow it.", "Normas de la casa, dice Lucien. Una: nunca levantes la seda. Dos: nunca preguntes a Diana su edad. Tres: si oyes música, no la sigas.")} #scene:2_02
+ [{t("Agree to the rules", "Aceptar las normas")} #emo:persistent+1] -> c2_03
+ [{t("Ask who made them", "Preguntar quién las hizo")} #emo:direct+1] -> c2_03

=== c2_03 ===
{t("You count the portraits. Twelve frames, eleven silks. One frame is empty, and the wall behind it is paler than the rest.", "Cuentas los retratos. Doce marcos, once sedas. Un marco está vacío, y la pared detrás es más clara que el resto.")} #scene:2_03
+ [{t("Examine the empty frame", "Examinar el marco vacío")} #emo:explorer+2] -> c2_04
+ [{t("Ask Lucien about it", "Preguntar a Lucien")} #emo:direct+1] -> c2_04

=== c2_04 ===
{t("A painting of Diana was taken a year ago, Lucien says, too quickly. The night she stopped leaving the house.", "Un retrato de Diana desapareció hace un año, dice Lucien, demasiado deprisa. La noche en que dejó de salir de casa.")} #scene:2_04
+ [{t("Offer to find it", "Ofrecerte a encontrarlo")} #emo:persistent+2] -> c2_05
+ [{t("That must have hurt her", "Eso debió de dolerle")} #emo:empath+2] -> c2_05

=== c2_05 ===
{t("In the frame's corner someone scratched three letters: L. M. V.", "En la esquina del marco alguien rayó tres letras: L. M. V.")} #scene:2_05
+ [{t("Memorise them", "Memorizarlas")} #emo:explorer+1] -> c2_06
+ {arch_direct >= 0.5} [{t("Ask Lucien straight out if they are his initials", "Preguntar a Lucien sin rodeos si son sus iniciales")} #emo:direct+2] -> c2_05_direct

=== c2_05_direct ===
{t("Mine would be L. and nothing else, he says coldly. I have no other names left.", "Las mías serían L. y nada más, dice con frialdad. No me quedan otros nombres.")} #scene:2_05b
+ [{t("Let it go, for now", "Dejarlo estar, por ahora")}] -> c2_06

=== c2_06 ===
{t("Far above, a piano plays four notes and stops, like a question.", "Muy arriba, un piano toca cuatro notas y se detiene, como una pregunta.")} #scene:2_06
+ [{t("Respect the third rule", "Respetar la tercera norma")} #emo:persistent+1] -> c2_07
+ [{t("Hum the notes back, softly", "Tararear las notas, en voz baja")} #emo:poet+2] -> c2_07

=== c2_07 ===
{t("Lucien listens to the silence that follows. She heard you, he says. Write her something. One sentence. She reads everything.", "Lucien escucha el silencio que sigue. Te ha oído, dice. Escríbele algo. Una frase. Ella lo lee todo.")} #scene:2_07 #ask:note_to_diana
+ [{t("(answer)", "(respuesta)")} #answer] -> c2_08
+ [{t("Write nothing", "No escribir nada")}] -> c2_08

=== c2_08 ===
{t("He folds the paper into a narrow bird and sends it up the stairwell. It does not fall.", "Dobla el papel en forma de pájaro estrecho y lo lanza por el hueco de la escalera. No cae.")} #scene:2_08
+ {has_item("rose_pin")} [{t("Pin the silver rose to your collar", "Prenderte la rosa de plata en el cuello")} #emo:poet+1] -> c2_08_rose
+ [{t("Wait", "Esperar")}] -> c2_09

=== c2_08_rose ===
~ trust += 1
{t("Lucien notices the rose. She gave that pin to one person before you, he says, and says no more.", "Lucien se fija en la rosa. Ella regaló ese broche a una sola persona antes que a ti, dice, y no dice más.")} #scene:2_08b
+ [{t("Wait", "Esperar")}] -> c2_09

=== c2_09 ===
{t("A key slides down the banister and stops at your hand. Lucien looks at it as if it had betrayed him.", "Una llave se desliza por la barandilla y se detiene junto a tu mano. Lucien la mira como si lo hubiera traicionado.")} #scene:2_09
~ unlock("gallery_key")
+ [{t("Keep the key", "Quedarte con la llave")} #emo:direct+1] -> c2_10
+ [{t("Offer it to Lucien", "Ofrecérsela a Lucien")} #emo:empath+2] -> c2_10_offer

=== c2_10_offer ===
~ trust += 2
{t("He closes your fingers around it. It was meant for you. That is exactly the problem.", "Te cierra los dedos sobre ella. Era para ti. Ese es precisamente el problema.")} #scene:2_10b
+ [{t("Continue", "Continuar")}] -> c2_10

=== c2_10 ===
{t("It opens the door at the top of the stairs, Lucien says. Not tonight. Tomorrow, she will speak to you, though you will not see her.", "Abre la puerta de lo alto de la escalera, dice Lucien. Esta noche no. Mañana te hablará, aunque no la verás.")} #scene:2_10
~ reward(10)
+ [{t("Until tomorrow", "Hasta mañana")}] -> chapter_3

// ───────────────────────── Chapter 3: The Voice Behind the Door ─────────────────────────
=== chapter_3 ===
{t("Chapter 3 · The Voice Behind the Door", "Capítulo 3 · La voz tras la puerta")} #chapter:3
-> c3_01

=== c3_01 ===
{t("The key turns, but the door only opens the width of a hand. Beyond it: candlelight, and the smell of turpentine.", "La llave gira, pero la puerta solo se abre un palmo. Al otro lado: luz de velas y olor a trementina.")} #scene:3_01
+ [{t("Say good evening", "Dar las buenas noches")} #emo:empath+1] -> c3_02
+ [{t("Wait for her to speak first", "Esperar a que ella hable primero")} #emo:persistent+2] -> c3_02

=== c3_02 ===
{t("So you are the one who hums, says a voice, low and amused. I am Diana. Lucien thinks I should not trust you. Lucien thinks that about the sunrise.", "Así que eres quien tararea, dice una voz, grave y divertida. Soy Diana. Lucien cree que no debería confiar en ti. Lucien cree eso del amanecer.")} #scene:3_02
{ mood == "tense": {t("She pauses. You sound on edge. Good. This house rewards attention.", "Hace una pausa. Suenas en tensión. Bien. Esta casa premia la atención.")} }
+ [{t("Why did you invite me?", "¿Por qué me invitaste?")} #emo:direct+1] -> c3_03
+ [{t("Are you well, Diana?", "¿Estás bien, Diana?")} #emo:empath+2] -> c3_03
+ {arch_poet >= 0.5} [{t("Your voice sounds like the notes on the stairs", "Tu voz suena como las notas de la escalera")} #emo:poet+2] -> c3_03

=== c3_03 ===
{t("I invited you because the mirrors showed you to me, she says. I paint people the way they are when nobody watches. I need someone who will not run.", "Te invité porque los espejos me mostraron tu cara, dice. Pinto a la gente tal como es cuando nadie la mira. Necesito a alguien que no huya.")} #scene:3_03
+ [{t("Continue", "Continuar")}] -> c3_04

=== c3_04 ===
{t("Tell me something true that you have never told anyone. I will tell you one in return.", "Cuéntame algo verdadero que nunca le hayas contado a nadie. Yo te contaré otra cosa a cambio.")} #scene:3_04 #ask:a_true_thing
+ [{t("(answer)", "(respuesta)")} #answer] -> c3_05
+ [{t("Keep your secret", "Guardar tu secreto")} #emo:persistent+1] -> c3_05

=== c3_05 ===
~ trust += 1
{t("Behind the door a brush stops moving. Here is mine, Diana says. The missing portrait was not stolen. It was hidden, by someone who loves me.", "Tras la puerta, un pincel deja de moverse. Aquí va el mío, dice Diana. El retrato que falta no fue robado. Lo escondió alguien que me quiere.")} #scene:3_05
+ [{t("Lucien?", "¿Lucien?")} #emo:direct+1] -> c3_06
+ [{t("Why hide a portrait?", "¿Por qué esconder un retrato?")} #emo:explorer+1] -> c3_06

=== c3_06 ===
{t("Because it showed too much, she says. Some paintings are maps. That one leads to the only thing I am afraid of.", "Porque mostraba demasiado, dice. Algunos cuadros son mapas. Ese lleva a lo único que me da miedo.")} #scene:3_06
+ [{t("Continue", "Continuar")}] -> c3_07

=== c3_07 ===
{t("Footsteps on the stairs. Lucien, carrying tea for two, sees the open door and goes very still.", "Pasos en la escalera. Lucien, con té para dos, ve la puerta entreabierta y se queda inmóvil.")} #scene:3_07
+ [{t("Explain yourself calmly", "Explicarte con calma")} #emo:empath+1] -> c3_08
+ [{t("Say it was her choice", "Decir que fue decisión de ella")} #emo:direct+1] -> c3_08

=== c3_08 ===
{ trust >= 3: {t("He sets the tray down beside you, not between you and the door. A small thing. It is not small.", "Deja la bandeja a tu lado, no entre tú y la puerta. Un detalle pequeño. No es pequeño.")} - else: {t("He sets the tray between you and the door, like a wall.", "Deja la bandeja entre tú y la puerta, como un muro.")} } #scene:3_08
+ [{t("Drink the tea", "Beber el té")}] -> c3_09

=== c3_09 ===
{t("Diana slides a letter under the door, sealed in the same silver wax. Open it only when you are ready to see me, she says.", "Diana desliza una carta bajo la puerta, sellada con el mismo lacre plateado. Ábrela solo cuando estés listo para verme, dice.")} #scene:3_09
~ unlock("diana_letter")
+ [{t("Put the letter away", "Guardar la carta")} #emo:persistent+1] -> c3_10
+ [{t("Hold it to the candlelight", "Mirarla al trasluz de la vela")} #emo:explorer+1] -> c3_10

=== c3_10 ===
{t("On the way out Lucien speaks without turning. The garden opens only to her chosen guests. I decide who is chosen. Tomorrow I will decide about you.", "A la salida Lucien habla sin volverse. El jardín solo se abre a los invitados elegidos. Yo decido quién es elegido. Mañana decidiré sobre ti.")} #scene:3_10
~ reward(15)
+ [{t("Thank him", "Darle las gracias")} #emo:empath+1] -> vip_gate
+ [{t("Tell him you will be back", "Decirle que volverás")} #emo:persistent+1] -> vip_gate

// ───────────────────────── VIP gate ─────────────────────────
=== vip_gate ===
{ vip(): -> chapter_4 }
{t("The garden gate is locked with a silver chain. Lucien shakes his head: Only Diana's circle walks the night garden. Join the circle, and the chain will fall.", "La verja del jardín está cerrada con una cadena de plata. Lucien niega con la cabeza: Solo el círculo de Diana pasea por el jardín nocturno. Únete al círculo y la cadena caerá.")} #scene:gate_vip #gate:vip
+ [{t("Try the gate again", "Probar la verja otra vez")}] -> vip_gate

// ───────────────────────── Chapter 4: The Night Garden (VIP) ─────────────────────────
=== chapter_4 ===
{ not vip(): -> vip_gate }
{t("Chapter 4 · The Night Garden", "Capítulo 4 · El jardín nocturno")} #chapter:4
-> c4_01

=== c4_01 ===
{t("The chain falls. Beyond the gate, white flowers open only where your shadow touches them.", "La cadena cae. Tras la verja, flores blancas se abren solo donde las toca tu sombra.")} #scene:4_01
+ [{t("Walk among them", "Caminar entre ellas")} #emo:poet+1] -> c4_02
+ [{t("Map the paths", "Trazar un mapa de los senderos")} #emo:explorer+2] -> c4_02

=== c4_02 ===
{t("A figure in a silver mask sits by the fountain. You recognise the voice before she speaks twice. Diana.", "Una figura con máscara plateada está sentada junto a la fuente. Reconoces la voz antes de que hable dos veces. Diana.")} #scene:4_02
+ [{t("Sit beside her", "Sentarte a su lado")} #emo:empath+1] -> c4_03
+ [{t("Stay standing", "Quedarte de pie")} #emo:persistent+1] -> c4_03

=== c4_03 ===
{t("Here I wear a mask so I can be honest, she says. Ask me one question. Only one.", "Aquí llevo máscara para poder ser sincera, dice. Hazme una pregunta. Solo una.")} #scene:4_03
+ [{t("Who took the portrait?", "¿Quién se llevó el retrato?")} #emo:direct+2] -> c4_04
+ [{t("What are you afraid of?", "¿A qué le tienes miedo?")} #emo:empath+2] -> c4_04
+ {dominant == "poet"} [{t("What do you see when you paint me?", "¿Qué ves cuando me pintas?")} #emo:poet+2] -> c4_04

=== c4_04 ===
{t("She laughs, and the fountain laughs with her. A good question. The answer is buried in the garden, under the oldest tree.", "Ríe, y la fuente ríe con ella. Buena pregunta. La respuesta está enterrada en el jardín, bajo el árbol más viejo.")} #scene:4_04
+ [{t("Find the oldest tree", "Buscar el árbol más viejo")}] -> c4_05

=== c4_05 ===
{t("Three trees claim to be the oldest: a cedar, a fig, an olive with a trunk like a twisted rope.", "Tres árboles dicen ser el más viejo: un cedro, una higuera, un olivo con el tronco como una cuerda retorcida.")} #scene:4_05
+ [{t("The olive", "El olivo")} #emo:explorer+1] -> c4_06
+ [{t("Ask the gardener's ledger", "Consultar el cuaderno del jardinero")} #emo:persistent+2] -> c4_06

=== c4_06 ===
{t("Under the olive's roots lies a tin box. Inside: a brush with a worn handle, and the initials L. M. V. carved again.", "Bajo las raíces del olivo hay una caja de lata. Dentro: un pincel de mango gastado y las iniciales L. M. V. grabadas de nuevo.")} #scene:4_06
~ unlock("worn_brush")
+ [{t("Show it to Diana", "Enseñárselo a Diana")} #emo:direct+1] -> c4_07
+ [{t("Keep it hidden, for now", "Guardarlo en secreto, por ahora")} #emo:persistent+1] -> c4_07

=== c4_07 ===
{t("Lucien stands at the garden's edge. He has seen the box. For the first time, he looks afraid of you.", "Lucien está en el borde del jardín. Ha visto la caja. Por primera vez, parece tenerte miedo.")} #scene:4_07
+ [{t("Go to him", "Ir hacia él")} #emo:empath+2] -> c4_08
+ [{t("Hold his gaze", "Sostenerle la mirada")} #emo:direct+1] -> c4_08

=== c4_08 ===
{t("Lucien asks you a question of his own: If you found out someone lied to protect a person they love, what would you do?", "Lucien te hace su propia pregunta: Si descubrieras que alguien mintió para proteger a una persona que quiere, ¿qué harías?")} #scene:4_08 #ask:protective_lie
+ [{t("(answer)", "(respuesta)")} #answer] -> c4_09
+ [{t("Refuse to answer", "Negarte a responder")} #emo:persistent+1] -> c4_09

=== c4_09 ===
~ trust += 1
{t("He takes the answer like a coin and turns it over. Then come to the mirror room tomorrow. I will show you what I hid.", "Recibe la respuesta como una moneda y le da la vuelta. Entonces ven mañana a la sala de los espejos. Te enseñaré lo que escondí.")} #scene:4_09
+ [{t("Continue", "Continuar")}] -> c4_10

=== c4_10 ===
{t("Diana lifts her mask for a heartbeat, too fast to see. Goodnight, she says. You are less alone than you think.", "Diana se levanta la máscara un instante, demasiado rápido para verla. Buenas noches, dice. Estás menos solo de lo que crees.")} #scene:4_10
~ reward(20)
+ [{t("Goodnight, Diana", "Buenas noches, Diana")}] -> chapter_5

// ───────────────────────── Chapter 5: The Mirror Room (VIP) ─────────────────────────
=== chapter_5 ===
{ not vip(): -> vip_gate }
{t("Chapter 5 · The Mirror Room", "Capítulo 5 · La sala de los espejos")} #chapter:5
-> c5_01

=== c5_01 ===
{t("The mirror room is round. A hundred glasses, and in the middle, under grey silk, the missing portrait.", "La sala de los espejos es redonda. Cien cristales y, en el centro, bajo seda gris, el retrato que faltaba.")} #scene:5_01
+ [{t("Wait for Lucien", "Esperar a Lucien")} #emo:persistent+1] -> c5_02
+ [{t("Walk around it", "Rodearlo")} #emo:explorer+1] -> c5_02

=== c5_02 ===
{t("Lucien arrives without his gloves. His hands are stained with old paint. L. M. V., he says. Lucien Marcel Valmont. I painted every portrait in this house.", "Lucien llega sin guantes. Tiene las manos manchadas de pintura vieja. L. M. V., dice. Lucien Marcel Valmont. Pinté todos los retratos de esta casa.")} #scene:5_02
+ [{t("And Diana?", "¿Y Diana?")} #emo:direct+1] -> c5_03
+ [{t("Why hide that?", "¿Por qué ocultarlo?")} #emo:empath+1] -> c5_03

=== c5_03 ===
{t("Diana is real, he says. But the muse the city adores is a story we wrote together, to keep her safe from people who wanted to own her.", "Diana es real, dice. Pero la musa que adora la ciudad es una historia que escribimos juntos, para protegerla de quienes querían poseerla.")} #scene:5_03
+ [{t("Continue", "Continuar")}] -> c5_04

=== c5_04 ===
{t("The mirrors start to fog, one by one, as if the room were breathing.", "Los espejos empiezan a empañarse, uno a uno, como si la sala respirara.")} #scene:5_04
+ [{t("Write on the fog", "Escribir sobre el vaho")} #emo:poet+2] -> c5_05
+ [{t("Find what causes it", "Buscar qué lo provoca")} #emo:explorer+2] -> c5_05

=== c5_05 ===
{t("Letters appear on the glass in a hand that is not yours: Whoever lifts the silk must choose what to keep.", "En el cristal aparecen letras con una caligrafía que no es la tuya: Quien levante la seda deberá elegir qué conservar.")} #scene:5_05
+ [{t("Lift the silk", "Levantar la seda")} #emo:direct+2] -> c5_06
+ [{t("Ask Lucien's permission", "Pedir permiso a Lucien")} #emo:empath+1] -> c5_06

=== c5_06 ===
{t("The portrait shows no face. It shows a door, half open, and a hand reaching through from the other side.", "El retrato no muestra ningún rostro. Muestra una puerta entreabierta y una mano que asoma desde el otro lado.")} #scene:5_06
+ [{t("Study the hand", "Estudiar la mano")} #emo:explorer+1] -> c5_07
+ {resonance >= 0.5} [{t("Recognise it as your own", "Reconocer que es la tuya")} #emo:poet+2] -> c5_07

=== c5_07 ===
{t("It is the hand of whoever earns her trust, Lucien says. I hid it because I was afraid it would never be mine.", "Es la mano de quien se gane su confianza, dice Lucien. La escondí porque temía que nunca fuera la mía.")} #scene:5_07
+ [{t("Comfort him", "Consolarlo")} #emo:empath+2] -> c5_08
+ [{t("Tell him the truth plainly", "Decirle la verdad sin rodeos")} #emo:direct+1] -> c5_08

=== c5_08 ===
{t("Diana's voice comes from every mirror at once. Lucien. Enough hiding, for both of us.", "La voz de Diana sale de todos los espejos a la vez. Lucien. Basta de esconderse, para los dos.")} #scene:5_08
+ [{t("Continue", "Continuar")}] -> c5_09

=== c5_09 ===
{t("Lucien gives you the silver mask from the garden. She will see you unmasked only if she can feel who you are. Not what you do. Who you are.", "Lucien te da la máscara plateada del jardín. Solo te verá sin máscara si siente quién eres. No lo que haces. Quién eres.")} #scene:5_09
~ unlock("silver_mask")
+ [{t("Take the mask", "Tomar la máscara")}] -> c5_10

=== c5_10 ===
{t("The last door in the house is at the end of the mirror room. It has no handle, only a hollow the shape of a heartbeat.", "La última puerta de la casa está al fondo de la sala de los espejos. No tiene picaporte, solo un hueco con forma de latido.")} #scene:5_10
~ reward(25)
+ [{t("Place your hand on it", "Posar la mano en ella")}] -> resonance_gate

// ───────────────────────── Resonance gate ─────────────────────────
=== resonance_gate ===
{ resonance >= 0.7: -> chapter_6 }
{t("The door stays cold. Lucien's voice is gentle: She cannot feel you yet. Come back when you have let the story know you better.", "La puerta sigue fría. La voz de Lucien es amable: Aún no puede sentirte. Vuelve cuando hayas dejado que la historia te conozca mejor.")} #scene:gate_resonance #gate:resonance
+ [{t("Try the door again", "Probar la puerta otra vez")}] -> resonance_gate

// ───────────────────────── Chapter 6: Unmasked (resonance) ─────────────────────────
=== chapter_6 ===
{t("Chapter 6 · Unmasked", "Capítulo 6 · Sin máscara")} #chapter:6
-> c6_01

=== c6_01 ===
{t("The door warms under your palm and opens. The studio beyond is full of unfinished canvases, all of them of the same door.", "La puerta se entibia bajo tu palma y se abre. El estudio está lleno de lienzos inacabados, todos de la misma puerta.")} #scene:6_01
+ [{t("Step in", "Entrar")}] -> c6_02

=== c6_02 ===
{t("Diana stands by the window without a mask. She is younger than the legend and older than her fear. You came, she says.", "Diana está junto a la ventana, sin máscara. Es más joven que la leyenda y mayor que su miedo. Has venido, dice.")} #scene:6_02
+ [{t("I came", "He venido")} #emo:direct+1] -> c6_03
+ [{t("You let me", "Tú me dejaste")} #emo:empath+1] -> c6_03

=== c6_03 ===
{t("For a year I painted doors because I could not walk through one. Lucien guarded me so well that he forgot to guard himself.", "Durante un año pinté puertas porque no era capaz de cruzar ninguna. Lucien me protegió tan bien que olvidó protegerse a sí mismo.")} #scene:6_03
+ [{t("Continue", "Continuar")}] -> c6_04

=== c6_04 ===
{t("She asks you to sit for one last portrait. Not your face, she says. Your way of seeing.", "Te pide que poses para un último retrato. No tu cara, dice. Tu manera de mirar.")} #scene:6_04
+ [{t("Sit still and look at her", "Quedarte quieto y mirarla")} #emo:persistent+1] -> c6_05
+ [{t("Talk while she paints", "Hablar mientras pinta")} #emo:empath+1] -> c6_05

=== c6_05 ===
{t("While the brush moves, Diana asks: What do you hope someone sees in you, when nobody is watching?", "Mientras el pincel se mueve, Diana pregunta: ¿Qué esperas que alguien vea en ti, cuando nadie mira?")} #scene:6_05 #ask:seen_unwatched
+ [{t("(answer)", "(respuesta)")} #answer] -> c6_06
+ [{t("Let the silence answer", "Dejar que responda el silencio")} #emo:poet+1] -> c6_06

=== c6_06 ===
{ dominant:
- "poet": {t("She paints a window full of moonlight, the moon in front of you this time.", "Pinta una ventana llena de luna, esta vez con la luna delante de ti.")} #scene:6_06
- "explorer": {t("She paints a map whose roads all lead back to the gate.", "Pinta un mapa cuyos caminos llevan todos de vuelta a la verja.")} #scene:6_06
- "direct": {t("She paints an open door with no frame at all.", "Pinta una puerta abierta sin marco alguno.")} #scene:6_06
- "empath": {t("She paints two hands, one steadying the other.", "Pinta dos manos, una sosteniendo a la otra.")} #scene:6_06
- else: {t("She paints a staircase that keeps climbing past the edge of the canvas.", "Pinta una escalera que sigue subiendo más allá del borde del lienzo.")} #scene:6_06
}
+ [{t("Look at the painting", "Mirar el cuadro")}] -> c6_07

=== c6_07 ===
{t("Lucien knocks, the first time he has ever knocked. Diana opens the door for him herself.", "Lucien llama a la puerta, por primera vez en su vida. Diana le abre ella misma.")} #scene:6_07
+ [{t("Step back and let them talk", "Apartarte y dejarles hablar")} #emo:empath+2] -> c6_08
+ [{t("Stay between them, smiling", "Quedarte entre los dos, sonriendo")} #emo:direct+1] -> c6_08

=== c6_08 ===
{t("The missing portrait goes back on the gallery wall. This time nobody covers it.", "El retrato que faltaba vuelve a la pared de la galería. Esta vez nadie lo cubre.")} #scene:6_08
+ [{t("Continue", "Continuar")}] -> c6_09

=== c6_09 ===
{t("Diana gives you the key to the front gate. Not to come in, she says. To leave it open behind you.", "Diana te da la llave de la verja principal. No para entrar, dice. Para dejarla abierta a tu paso.")} #scene:6_09
~ unlock("front_gate_key")
+ [{t("Accept the key", "Aceptar la llave")}] -> c6_10

=== c6_10 ===
{t("At dawn the street that was not there yesterday is still there. So is the house. So are you, a little braver in every mirror.", "Al amanecer, la calle que ayer no existía sigue ahí. También la casa. También tú, un poco más valiente en cada espejo.")} #scene:6_10
~ reward(50)
-> END
