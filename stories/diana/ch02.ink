// ───────────────────────── Chapter 2: The Gallery (free) ─────────────────────────
=== chapter_2 ===
{t("Chapter 2 · The Gallery", "Capítulo 2 · La galería")} #chapter:2 #title
-> c2_01

=== c2_01 ===
{t("The next night the street is waiting where you left it. You knock once, as you were told.", "La noche siguiente, la calle te espera donde la dejaste. Llamas una vez, como te dijeron.")} #scene:2_01
{ trust >= 3:
    {t("The gate is already on the latch. Lucien is inside, pretending to prune a rosebush that has been dead for some time. “You are punctual,” he says, as if it were a confession he had dragged out of you.", "La verja ya está sin cerrar. Lucien está dentro, fingiendo podar un rosal que lleva tiempo muerto. —Eres puntual —dice, como si fuera una confesión que te hubiera arrancado.")}
- else:
    {t("Lucien takes a long time to answer. When he does, he looks at the street behind you before he looks at you, as if checking that you have come alone.", "Lucien tarda mucho en abrir. Cuando lo hace, mira la calle a tu espalda antes de mirarte a ti, como para comprobar que vienes sin compañía.")}
}
{t("He leads you past the mirror hall, down three steps, into a long gallery where every portrait on the walls has its face covered with a square of grey silk. The effect is of a room full of people who have all turned away at the same moment.", "Te lleva más allá del vestíbulo de los espejos, tres escalones abajo, hasta una galería alargada donde cada retrato tiene la cara cubierta por un cuadrado de seda gris. Parece una sala llena de gente que se ha dado la vuelta en el mismo instante.")}
{t("The frames are all the same size and the same heavy gilt, as though they had been ordered together from one careful workshop. Under each one a small brass plate has been unscrewed and taken away, leaving four neat holes. Whoever the sitters were, the house has decided that their names are nobody else's business.", "Los marcos son todos del mismo tamaño y del mismo dorado pesado, como si los hubieran encargado juntos a un taller muy meticuloso. Debajo de cada uno han desatornillado y retirado una placa de latón, y solo quedan cuatro agujeros limpios. Fueran quienes fueran los retratados, la casa ha decidido que sus nombres no le importan a nadie más.")}
+ [{t("“Why are the faces hidden?”", "—¿Por qué están tapadas las caras?")} #emo:explorer+1] -> c2_02
+ [{t("Walk the gallery in silence", "Recorrer la galería en silencio")} #emo:poet+1] -> c2_01_silence

=== c2_01_silence ===
{t("You walk the length of the room without a word. The silks stir as you pass, very slightly, the way curtains stir in a house where a window has been left open somewhere you cannot find.", "Recorres la sala de punta a punta sin decir nada. Las sedas se mueven un poco a tu paso, como se mueven las cortinas en una casa donde alguien ha dejado una ventana abierta en algún sitio que no encuentras.")} #scene:2_01b
{t("Lucien watches you do it. “You walk through here the way she used to,” he says. “Not looking at them. Letting them look at you.”", "Lucien te observa. —Cruzas esta sala como lo hacía ella —dice—. Sin mirarlos. Dejando que ellos te miren.")}
+ [{t("Turn back to him", "Volverte hacia él")}] -> c2_02

=== c2_02 ===
{t("“There are rules in this house,” Lucien says. He counts them on his gloved fingers, as he must have done many times.", "—En esta casa hay normas —dice Lucien. Las cuenta con los dedos enguantados, como debe de haber hecho muchas veces.")} #scene:2_02
{t("“One: never lift the silk. Two: never ask Diana her age. Three: if you hear music, do not follow it.”", "—Una: nunca levantes la seda. Dos: nunca le preguntes a Diana su edad. Tres: si oyes música, no la sigas.")}
{t("“They sound arbitrary. They are not. Each one was paid for.”", "—Parecen caprichosas. No lo son. Cada una se pagó cara.")}
{t("“The silk, because the faces under it did not ask to be looked at by strangers. Her age, because the city has made her a legend, and legends are not allowed to grow older; every question about it is a small knife. And the music,” he hesitates, “because the music is hers, and when she plays, she is not playing for anyone. Following it is like reading a diary over somebody's shoulder.”", "—La seda, porque las caras que hay debajo no pidieron que las mirara gente extraña. La edad, porque la ciudad la ha convertido en leyenda, y a las leyendas no se les permite envejecer: cada pregunta sobre eso es un cuchillo pequeño. Y la música —duda—, porque la música es suya, y cuando toca no toca para nadie. Seguirla es como leer un diario por encima del hombro de alguien.")}
+ [{t("“I will keep them.”", "—Las cumpliré.")} #emo:persistent+1]
    ~ trust += 1
    -> c2_03
+ [{t("“Who made them? You, or her?”", "—¿Quién las puso? ¿Tú o ella?")} #emo:direct+1] -> c2_02_who

=== c2_02_who ===
{t("“I made them,” he says. “She agreed to two of them. I will let you guess which one she fights me on.”", "—Las puse yo —dice—. Ella aceptó dos. Te dejo adivinar contra cuál se rebela.")} #scene:2_02b
{t("From somewhere above, faint as a rumour, comes a single piano note, held until it fades. Lucien's mouth tightens.", "Desde algún sitio de arriba llega, débil como un rumor, una sola nota de piano sostenida hasta apagarse. Lucien aprieta los labios.")}
+ [{t("Say nothing about the note", "No comentar la nota")}] -> c2_03

=== c2_03 ===
{t("You count the portraits while he talks. Twelve frames, all heavy, all gilded. Eleven silks. The twelfth frame, at the far end, is empty, and the wallpaper behind it is paler than the rest, the colour of a place where something hung for a long time and then did not.", "Mientras él habla, cuentas los retratos. Doce marcos, todos pesados, todos dorados. Once sedas. El duodécimo marco, al fondo, está vacío, y el papel pintado de detrás es más claro que el resto, del color de un sitio donde algo estuvo colgado mucho tiempo y luego ya no.")} #scene:2_03
{t("The silks are not dusty. Someone brushes them, often and carefully; you can see the fine parallel marks of a soft brush in the nap of the fabric, the way you can see the marks of a comb in well-kept hair.", "Las sedas no tienen polvo. Alguien las cepilla, a menudo y con cuidado; se ven en el tejido las finas marcas paralelas de un cepillo suave, igual que se ven las marcas del peine en un pelo bien cuidado.")}
+ [{t("Examine the empty frame", "Examinar el marco vacío")} #emo:explorer+2] -> c2_04
+ [{t("Ask Lucien what used to hang there", "Preguntar a Lucien qué colgaba ahí")} #emo:direct+1] -> c2_04
+ {arch_explorer >= 0.3 || dominant == "explorer"} [{t("Because you always look twice: run a finger along the back of the frame", "Como siempre miras dos veces: pasar un dedo por la parte de atrás del marco")} #sig:explorer #emo:explorer+1] -> c2_03_back

=== c2_03_back ===
{t("Your finger finds a ridge of dried paint on the back of the frame, and pressed into it, clear as a signature, a thumbprint. Whoever took the painting down did it while the paint on their own hands was still wet.", "Tu dedo encuentra un reborde de pintura seca detrás del marco y, marcada en él, clara como una firma, una huella de pulgar. Quien descolgó el cuadro lo hizo con la pintura de sus propias manos todavía fresca.")} #scene:2_03b
{t("You glance at Lucien's gloves. He is looking anywhere but at you.", "Miras los guantes de Lucien. Él mira a cualquier parte menos a ti.")}
+ [{t("Keep the thought to yourself", "Guardarte la idea")}] -> c2_04

=== c2_04 ===
{t("“A portrait of Diana hung there,” Lucien says. “It was taken down a year ago. Too quickly; you can see where the nail tore the paper. It was the night she stopped leaving the house.”", "—Ahí colgaba un retrato de Diana —dice Lucien—. Lo descolgaron hace un año. Demasiado deprisa: se ve dónde el clavo rasgó el papel. Fue la noche en que dejó de salir de casa.")} #scene:2_04
{t("“The city thinks it was stolen. It is the only thing the city knows about this house that is almost true.”", "—La ciudad cree que lo robaron. Es lo único que la ciudad sabe de esta casa que es casi verdad.")}
{t("He stands in front of the empty frame with his hands behind his back, the way people stand at gravesides when they did not know the deceased well but feel they ought to stay until the end.", "Se queda delante del marco vacío con las manos a la espalda, como se queda la gente junto a una tumba cuando no conocía bien al difunto pero cree que debe aguantar hasta el final.")}
+ [{t("“Let me find it.”", "—Déjame encontrarlo.")} #emo:persistent+2] -> c2_04_find
+ [{t("“That must have hurt her.”", "—Eso debió de dolerle.")} #emo:empath+2]
    ~ trust += 1
    -> c2_04_hurt

=== c2_04_find ===
{t("“Many have offered,” he says. “A detective, twice. A newspaper. A man with a very good coat who wanted to buy it before anyone found it.” He almost smiles. “You are the first who offered without asking what it is worth.”", "—Muchos se han ofrecido —dice—. Un detective, dos veces. Un periódico. Un señor con un abrigo muy bueno que quería comprarlo antes de que nadie lo encontrara. —Casi sonríe—. Eres la primera persona que se ofrece sin preguntar cuánto vale.")} #scene:2_04b
+ [{t("Look at the frame again", "Volver a mirar el marco")}] -> c2_05

=== c2_04_hurt ===
{t("Lucien is quiet for a while. “It hurt her less than it should have,” he says. “That was the frightening part. She looked at the empty frame and said: good. Then she went upstairs and did not come down.”", "Lucien se queda callado un rato. —Le dolió menos de lo que debería —dice—. Eso fue lo que me asustó. Miró el marco vacío y dijo: mejor. Luego subió y no volvió a bajar.")} #scene:2_04c
+ [{t("Look at the frame again", "Volver a mirar el marco")}] -> c2_05

=== c2_05 ===
{t("In the bottom corner of the frame, where the gilt has worn through to the wood, someone has scratched three letters with the point of a knife, or a brush handle: L. M. V.", "En la esquina inferior del marco, donde el dorado se ha gastado hasta la madera, alguien ha grabado tres letras con la punta de un cuchillo, o con el mango de un pincel: L. M. V.")} #scene:2_05
+ [{t("Memorise the letters", "Memorizar las letras")} #emo:explorer+1 #branch:initials]
    ~ initials = "memorised"
    -> c2_06
+ [{t("Pretend you have not seen them", "Fingir que no las has visto")} #emo:empath+1 #branch:initials]
    ~ initials = "ignored"
    ~ trust += 1
    -> c2_06
+ {arch_direct >= 0.3 || dominant == "direct"} [{t("Because you do not circle around things: ask Lucien straight out if they are his initials", "Como no te andas con rodeos: preguntar a Lucien sin más si son sus iniciales")} #sig:direct #emo:direct+2 #branch:initials]
    ~ initials = "asked"
    -> c2_05_direct

=== c2_05_direct ===
{t("“Mine would be L. and nothing else,” he says coldly. “I have no other names left. I gave them up when I came to work here.”", "—Las mías serían L. y nada más —dice con frialdad—. No me quedan más nombres. Renuncié a ellos cuando vine a trabajar aquí.")} #scene:2_05b
{t("It is the first time you have heard him lie. He does it badly, which you find you like him for.", "Es la primera vez que le oyes mentir. Lo hace mal, y descubres que eso te cae bien.")}
+ [{t("Let it go, for now", "Dejarlo estar, por ahora")}] -> c2_06

=== c2_06 ===
{t("Far above you, a piano plays four notes and stops, like a question left hanging in the middle of a sentence. The silks on the portraits tremble. Lucien goes still, and you remember the third rule.", "Muy por encima de ti, un piano toca cuatro notas y se detiene, como una pregunta que se queda a medias. Las sedas de los retratos tiemblan. Lucien se queda inmóvil, y recuerdas la tercera norma.")} #scene:2_06
{t("They are not quite a tune. They are the beginning of one, played carefully, the way you might repeat the first words of a sentence you have forgotten the end of, hoping the rest will come back if you say them often enough.", "No llegan a ser una melodía. Son el principio de una, tocado con cuidado, como quien repite las primeras palabras de una frase cuyo final ha olvidado, con la esperanza de que el resto vuelva si las dice suficientes veces.")}
+ [{t("Respect the third rule and stay where you are", "Respetar la tercera norma y quedarte donde estás")} #emo:persistent+1 #branch:music]
    ~ music = "respected"
    ~ trust += 1
    -> c2_07
+ [{t("Hum the four notes back, softly", "Tararear las cuatro notas, en voz baja")} #emo:poet+2 #branch:music]
    ~ music = "hummed"
    -> c2_06_hum
+ [{t("Follow the music up the stairs", "Seguir la música escaleras arriba")} #emo:explorer+2 #branch:music]
    ~ music = "followed"
    ~ trust -= 1
    -> c2_06_follow

=== c2_06_hum ===
{t("You hum the four notes back. Your voice sounds very small in the long room. There is a pause upstairs, long enough to be surprise, and then the piano answers with a fifth note, the one that finishes the phrase.", "Tarareas las cuatro notas. Tu voz suena muy pequeña en la sala alargada. Arriba se hace una pausa, lo bastante larga para ser sorpresa, y luego el piano responde con una quinta nota, la que cierra la frase.")} #scene:2_06b
{t("“You did not follow it,” Lucien says slowly. “You answered it. There is no rule about that. I never thought anyone would need one.”", "—No la has seguido —dice Lucien despacio—. Le has contestado. No hay ninguna norma sobre eso. Nunca pensé que hiciera falta.")}
+ [{t("Wait", "Esperar")}] -> c2_07

=== c2_06_follow ===
{t("You are on the stairs before you have decided to be. The notes do not repeat, but the air still holds their shape, and you climb after it: one flight, two, a landing with a window that shows a garden you did not see from the street.", "Estás en la escalera antes de haberlo decidido. Las notas no se repiten, pero el aire conserva su forma y subes tras ella: un tramo, dos, un rellano con una ventana que da a un jardín que desde la calle no se veía.")} #scene:2_06c
{t("A hand closes on your sleeve. Lucien, breathing hard, eyes furious. “Three rules,” he says. “Three. You could not keep one for a single evening.”", "Una mano te agarra de la manga. Lucien, sin aliento, con los ojos encendidos. —Tres normas —dice—. Tres. No has sido capaz de cumplir ni una durante una sola noche.")}
{t("Behind a door at the top of the stairs, somebody laughs: a real laugh, startled out of them. Lucien hears it too. His grip loosens, and his anger with it, into something more complicated.", "Tras una puerta en lo alto de la escalera, alguien se ríe: una risa de verdad, de las que se escapan sin querer. Lucien también la oye. Afloja la mano, y con ella el enfado, que se convierte en algo más complicado.")}
+ [{t("“I am sorry.”", "—Lo siento.")} #emo:empath+1]
    ~ trust += 1
    -> c2_07
+ [{t("“She laughed. Isn't that worth a rule?”", "—Se ha reído. ¿No vale eso una norma?")} #emo:direct+1]
    ~ closeness += 1
    -> c2_07

=== c2_07 ===
{t("Something white comes drifting down the stairwell, turning slowly, like a leaf that has all the time in the world. It lands at your feet: a sheet of paper folded into a narrow bird.", "Algo blanco baja flotando por el hueco de la escalera, girando despacio, como una hoja que tiene todo el tiempo del mundo. Se posa a tus pies: una hoja de papel doblada en forma de pájaro estrecho.")} #scene:2_07
{t("Unfolded, it says, in the forward-leaning hand: “Write me one sentence. Anything at all. I read everything, and nobody writes to me any more except the bank. — D.”", "Desplegada, dice, con la letra inclinada: «Escríbeme una frase. La que quieras. Lo leo todo, y ya nadie me escribe salvo el banco. D.»")}
{t("Lucien hands you a pencil without being asked. He looks away while you write, which is more courtesy than you expected.", "Lucien te tiende un lápiz sin que se lo pidas. Mira hacia otro lado mientras escribes, lo cual es más cortesía de la que esperabas.")} #ask:note_to_diana
{t("The paper is thick and soft and smells faintly of oranges. There is paint on one corner, a smudge of blue, and the print of a thumb in it, smaller than Lucien's. You hold it for a moment, this small square of someone else's evening, before you decide what to put on it.", "El papel es grueso y suave y huele un poco a naranja. Tiene una mancha de pintura azul en una esquina, con la huella de un pulgar más pequeño que el de Lucien. Lo sostienes un momento, este cuadradito de la noche de otra persona, antes de decidir qué escribir.")}
+ [{t("(answer)", "(respuesta)")} #answer] -> c2_08
+ [{t("Fold the paper back without writing anything", "Volver a doblar el papel sin escribir nada")}]
    ~ note_to_diana_kind = "silent"
    -> c2_08

=== c2_08 ===
{ note_to_diana_kind != "silent":
    ~ note_to_diana_kind = answer_kind
}
{t("Lucien refolds the bird along its old creases and sends it up the stairwell. It does not fall. It climbs, as if the air there ran upward, and disappears over the top banister. A minute passes. Then a second bird comes down.", "Lucien vuelve a doblar el pájaro por sus pliegues y lo lanza por el hueco de la escalera. No cae. Sube, como si allí el aire corriera hacia arriba, y desaparece por encima de la última barandilla. Pasa un minuto. Luego baja un segundo pájaro.")} #scene:2_08
{
- note_to_diana_kind == "silent":
    {t("This one says: “You sent me nothing. That is the most honest letter I have had all year. I drew you something in return.” Underneath is a small, quick sketch of a door, open the width of a hand.", "Este dice: «No me has mandado nada. Es la carta más sincera que he recibido en todo el año. Te he dibujado algo a cambio». Debajo hay un boceto pequeño y rápido de una puerta entreabierta, abierta apenas un palmo.")}
- note_to_diana_kind == "question":
    ~ closeness += 1
    {t("This one says: “You wrote me a question: ‘{said(note_to_diana_quote)}’ Nobody asks me anything but whether I am eating. I will answer you tomorrow, face to door. — D.”", "Este dice: «Me has escrito una pregunta: “{said(note_to_diana_quote)}”. Nadie me pregunta nada salvo si estoy comiendo. Te contestaré mañana, cara a puerta. D.»")}
- note_to_diana_kind == "short" || note_to_diana_kind == "offtopic":
    {t("This one says: “‘{said(note_to_diana_quote)}’? I asked for a sentence and you sent me a password. Very well: I will keep it like one, and you will tell me what it opens. — D.”", "Este dice: «¿“{said(note_to_diana_quote)}”? Te pedí una frase y me mandas una contraseña. De acuerdo: la guardaré como tal, y ya me dirás qué abre. D.»")}
- answer_emotion == "anger" || (answer_polarity == "negative" && answer_intensity == "high"):
    ~ closeness += 1
    {t("This one says: “That had teeth. Good. Everyone in this house is so careful with me that I have forgotten what it is to be answered back. Bring the teeth tomorrow. — D.”", "Este dice: «Eso tenía colmillos. Bien. En esta casa todo el mundo me trata con tanto cuidado que he olvidado lo que es que me contesten. Mañana tráete los colmillos. D.»")}
- answer_polarity == "negative" || answer_emotion == "sadness" || answer_emotion == "fear":
    ~ closeness += 1
    {t("This one says: “I read it three times. You did not try to cheer me up, and you did not ask me to cheer you up. I have put your sentence under my pillow, which is childish and which I will deny. — D.”", "Este dice: «Lo he leído tres veces. No has intentado animarme, ni me has pedido que te anime. He puesto tu frase debajo de la almohada, cosa que es infantil y que negaré. D.»")}
- answer_polarity == "positive" || answer_emotion == "joy" || answer_emotion == "affection":
    ~ closeness += 2
    {t("This one says: “Nobody has written me anything warm in a year. I had forgotten warmth could arrive folded. Lucien will say I am being sentimental. Lucien is right, and I do not care. — D.”", "Este dice: «Nadie me ha escrito nada cálido en un año. Había olvidado que el cariño podía llegar doblado. Lucien dirá que me pongo sentimental. Lucien tiene razón, y me da igual. D.»")}
- else:
    ~ closeness += 1
    {t("This one says: “Plain words, plainly written. Do you know how rare that is? People write to me as if I were a legend. You wrote to me as if I were a person. — D.”", "Este dice: «Palabras sencillas, escritas sin adornos. ¿Sabes lo raro que es eso? La gente me escribe como si fuera una leyenda. Tú me has escrito como a una persona. D.»")}
}
+ {has_item("rose_pin")} [{t("Pin the silver rose from the store to your collar", "Prenderte en el cuello la rosa de plata de la tienda")} #emo:poet+1]
    ~ rose_worn = true
    -> c2_08_rose
+ [{t("Wait", "Esperar")}]
    ~ rose_worn = false
    -> c2_09

=== c2_08_rose ===
{t("Lucien notices the rose at once. “She drew that pin years ago, for the guests of this house,” he says. “The jeweller on the corner still casts them; anyone with the coins can buy one, and many do. Almost nobody wears it inside these walls.”", "Lucien se fija en la rosa enseguida. —Ella dibujó ese broche hace años, para las visitas de esta casa —dice—. El joyero de la esquina todavía los funde; cualquiera que tenga las monedas puede comprarlo, y mucha gente lo hace. Casi nadie se lo pone entre estas paredes.")} #scene:2_08b
{t("“She will know you did. The mirrors will tell her before I can.”", "—Ella sabrá que tú sí. Los espejos se lo contarán antes que yo.")}
~ trust += 1
+ [{t("Wait", "Esperar")}] -> c2_09

=== c2_09 ===
{t("A small sound, metal on wood. Something slides down the banister from the floor above, gathering speed, and stops exactly where your hand rests on the rail: a brass key, old, warm as if it had been held for a long time.", "Un ruido pequeño, de metal sobre madera. Algo baja deslizándose por la barandilla desde el piso de arriba, cada vez más deprisa, y se detiene justo donde tienes la mano apoyada: una llave de latón, antigua, tibia, como si alguien la hubiera sostenido mucho rato.")} #scene:2_09
{t("Lucien looks at the key as though it had betrayed him.", "Lucien mira la llave como si lo hubiera traicionado.")}
{t("On the bow of the key, worn almost smooth, someone has engraved a tiny door, half open. You turn it to the candle and the little door seems, for an instant, to open a fraction wider.", "En el ojo de la llave, casi liso de tanto uso, alguien ha grabado una puerta diminuta, entreabierta. La giras hacia la vela y la puertecita parece, durante un instante, abrirse un poco más.")}
~ unlock("gallery_key")
+ [{t("Keep the key", "Quedarte con la llave")} #emo:direct+1 #branch:key]
    ~ key_offered = false
    -> c2_10
+ [{t("Offer it to Lucien", "Ofrecérsela a Lucien")} #emo:empath+2 #branch:key]
    ~ key_offered = true
    ~ trust += 2
    -> c2_09_offer

=== c2_09_offer ===
{t("He looks at the key in your open palm for a long moment. Then he closes your fingers around it with his gloved hand, gently, as you might close a book someone has fallen asleep over.", "Mira la llave en tu palma abierta durante un buen rato. Luego te cierra los dedos sobre ella con la mano enguantada, con suavidad, como se cierra un libro sobre el que alguien se ha quedado dormido.")} #scene:2_09b
{t("“It was meant for you,” he says. “That is exactly the problem. But thank you for offering. Nobody in this house offers me anything. They only ask me to carry things.”", "—Era para ti —dice—. Ese es precisamente el problema. Pero gracias por ofrecérmela. En esta casa nadie me ofrece nada. Solo me piden que cargue cosas.")}
+ [{t("Put the key away", "Guardar la llave")}] -> c2_10

=== c2_10 ===
{t("“It opens the door at the top of the stairs,” Lucien says. “Her door. Not tonight. Tomorrow she will speak to you through it, but you will not see her. Do not ask to.”", "—Abre la puerta de lo alto de la escalera —dice Lucien—. Su puerta. Esta noche no. Mañana te hablará a través de ella, pero no la verás. No se lo pidas.")} #scene:2_10
{t("He does not take the key from you. He looks at it a moment longer, and then at the stairs, and you have the impression that he is counting them, as he must have counted them every night for a year.", "No te quita la llave. La mira un momento más, y luego mira la escalera, y te da la impresión de que cuenta los escalones, como debe de haberlos contado cada noche durante un año.")}
{t("As you pass through the mirror hall on the way out, the oval mirror by the stairs clears for a moment and Diana's voice comes from it, sleepy now. “Goodnight, whoever you are. I have decided to call you my correspondent, since you will not tell me your name and I refuse to ask Lucien. He would make me fill in a form.”", "Al cruzar el vestíbulo de los espejos camino de la salida, el espejo ovalado junto a la escalera se aclara un momento y de él sale la voz de Diana, ya con sueño. —Buenas noches, seas quien seas. He decidido llamarte «mi corresponsal», ya que no me dices tu nombre y me niego a preguntárselo a Lucien. Me haría rellenar un formulario.")}
{ music == "followed":
    {t("He gives you a long look. “And if you hear music on the way up, you will walk, not run. I am too old to chase guests up staircases.”", "Te lanza una mirada larga. —Y si oyes música al subir, irás andando, no corriendo. Ya no tengo edad para perseguir a nadie por las escaleras.")}
- else:
    {t("He walks you to the gate. On the threshold he says, without turning round: “She has not sent a bird down those stairs in eleven months.”", "Te acompaña a la verja. En el umbral dice, sin volverse: —Hacía once meses que no mandaba un pájaro escaleras abajo.")}
}
~ reward(10)
+ [{t("“Until tomorrow.”", "—Hasta mañana.")}] -> chapter_3
+ [{t("Look up at the lit window before you go", "Mirar la ventana iluminada antes de irte")} #emo:poet+1] -> chapter_3
